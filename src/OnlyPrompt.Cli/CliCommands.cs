using System.CommandLine;

namespace OnlyPrompt.Cli;

/// <summary>
/// The command line: every command and option with its help text (<c>onlyprompt COMMAND --help</c>); System.CommandLine
/// parses it, refuses unknown options, writes the help and offers tab completion (dotnet-suggest).
/// </summary>
public static class CliCommands
{
    /// <summary>A preset world and its seed.</summary>
    public static Option[] PresetOptions() =>
        [Text("--preset", "the world: default, second (its own tasks) or smoke", "NAME"), Text("--seed", "the seed (default 1)", "N")];

    /// <summary>The per-round options that <c>run</c>, <c>compare</c> and the in-process experiment take on top of a preset.</summary>
    public static Option[] RoundOptions() =>
    [
        Text("--schedule", "each round's rejected score, one per round (default 3,5,7)", "3,5,7"),
        Text("--round-lr", "each round's learning rate (default: halved per round)", "5e-5,2.5e-5,..."),
        Text("--round-loss", "the rounds' loss: dpo, ipo, simpo, ...", "LOSS"),
        Text("--round-beta", "the rounds' beta", "B"),
        Text("--round-nll", "weight of an NLL term on the chosen answers (RPO)", "A"),
        Text("--nll-context", "plain, or chosen-prefix: the NLL term scores each chosen answer after the 10/10 prompt it was sampled with",
            "CONTEXT"),
        Text("--round-dpop", "DPOP's penalty on chosen answers below the reference (DPO only)", "LAMBDA"),
        Text("--round-epochs", "epochs over each round's pairs", "N"),
        Text("--round-batch-tokens", "each round's token budget per batch", "N"),
        Text("--temperature", "the rounds' sampling temperature", "T"),
    ];

    /// <summary>The run spec's switches that every way of starting runs takes (read by <see cref="RunCommands.ReadFlags"/>).</summary>
    public static Option[] RunFlags() =>
    [
        Flag("--stop-without-prefix-gap", "fail before a round whose policy answers no better with the 10/10 prefix than without"),
        Flag("--keep-better-model", "a round worse than its reference beyond the interval hands the reference on"),
        Flag("--no-reuse", "compute every stage even when a committed stage of any run has the same key"),
    ];

    // The whole command tree in one declaration, so that it reads like the --help it generates.
    public static RootCommand Root()
    {
        var (preset, rounds) = (PresetOptions(), RoundOptions());
        Option[] client =
        [
            Text("--address", "the orchestrator (or ONLYPROMPT_ADDRESS; default http://127.0.0.1:5170)", "URL"),
            Text("--api-key", "the orchestrator's API key (or ONLYPROMPT_API_KEY)", "KEY"),
            Text("--reconnect-seconds", "how long to wait for an orchestrator that went away (default 300)", "S"),
            Text("--blobs", "where results are read (or ONLYPROMPT_BLOBS; default: the local AppHost's Azurite)", "CONNECTION-STRING"),
        ];
        var runFlags = RunFlags();

        var run = new Command("run",
            "start a run on the orchestrator and watch it: a preset world, your own model and data (--model), or a spec file (--spec)");
        Add(run, preset, rounds, runFlags, client,
        [
            Text("--kind", "only-prompting (default), self-rewarding, fixed-gap, offline-dpo, offline-simpo, chosen-prefix, adaptive-gap", "KIND"),
            Text("--id", "the run's id (default: a new one)", "RUN"),
            Flag("--detach", "start the run and return"),
            Text("--spec", "a RunSpec in protobuf JSON (// comment lines); references without a container are local files, uploaded by content hash",
                "FILE.json"),
            .. ModelDataOptions(),
            Text("--container", "the blob container your files go to", "NAME"),
            Text("--name", "the run's name", "NAME"),
        ]);
        SetAction(run, arguments => RunCommands.RunAsync("run", arguments));

        var compare = new Command("compare", "run every kind over the seeds (reusing finished runs) and print the paper's tables");
        Add(compare, preset[..1], rounds, runFlags, client,
        [
            Text("--seeds", "the seeds (default 1,2,3)", "1,2,3"),
            Text("--kinds", "the run kinds (default: all)", "K1,K2,..."),
            Text("--out", "where the tables are written (default .onlyprompt/compare-PRESET.md)", "FILE"),
        ]);
        SetAction(compare, CompareCommand.RunAsync);

        var root = new RootCommand("OnlyPrompt: only-prompting self-rewarding online preference optimisation, a client of the services "
            + "(the in-process experiment is onlyprompt-lab)") { run, compare };
        foreach (var (name, description) in new[] { ("watch", "watch a run"), ("get", "print a run's manifest"), ("cancel", "cancel a run") })
        {
            var command = new Command(name, description) { RunId() };
            Add(command, client);
            SetAction(command, arguments => RunCommands.RunAsync(name, arguments));
            root.Subcommands.Add(command);
        }
        var list = new Command("list", "list the runs");
        Add(list, client);
        SetAction(list, arguments => RunCommands.RunAsync("list", arguments));
        var report = new Command("report", "save the run's report (Markdown and PNG plots) and print it") { RunId() };
        Add(report, client, [Text("--out", "the folder (default .onlyprompt/reports/RUN)", "DIR")]);
        SetAction(report, ReportCommand.RunAsync);
        root.Subcommands.Add(list);
        root.Subcommands.Add(report);
        return root;
    }

    // A run on the user's own model and data (ModelDataRun).
    private static Option[] ModelDataOptions() =>
    [
        Text("--model", "your Hugging Face model folder", "DIR"),
        Text("--sft", "SFT data (JSON Lines or Parquet in TRL's shapes); without it the model is the SFT model", "FILE"),
        Text("--preferences", "seed preferences for the offline initialisation; without them it is skipped", "FILE"),
        Text("--prompts", "the rounds' prompts", "FILE"),
        Text("--eval", "the evaluation set (AlpacaEval, MT-Bench, or prompts with answers)", "FILE"),
        Text("--reward-model", "a *ForSequenceClassification checkpoint folder", "DIR"),
        Text("--scorer", "the primary scorer: exact, reward-model or judge", "SCORER"),
        Text("--judge-url", "an OpenAI-compatible endpoint, up to and including /v1", "URL"),
        Text("--judge-model", "the judge's model name", "NAME"),
        Text("--judge-key-env", "the Evaluator's environment variable holding the judge's key", "VAR"),
        Text("--judge-mode", "pairwise, pairwise-logprobs or rating", "MODE"),
        Text("--rounds", "how many rounds (the schedule follows)", "N"),
        Text("--columns-sft", "column names where the SFT file uses others", "canonical=actual,..."),
        Text("--columns-preferences", "column names where the preferences file uses others", "canonical=actual,..."),
        Text("--columns-prompts", "column names where the prompts file uses others", "canonical=actual,..."),
        Text("--columns-eval", "column names where the evaluation file uses others", "canonical=actual,..."),
        Text("--sft-lr", "SFT's learning rate", "LR"),
        Text("--offline-lr", "the offline initialisation's learning rate", "LR"),
        Text("--batch-tokens", "SFT's and the initialisation's token budget per batch", "N"),
        Text("--max-new-tokens", "the longest answer sampled or evaluated", "N"),
        Text("--calibration-prompts", "prompts of the calibration probe (0: none)", "N"),
        Text("--lora", "train a LoRA adapter of this rank in every training stage (PEFT's layout) and merge it", "RANK"),
        Text("--lora-alpha", "LoRA's alpha", "A"),
        Text("--lora-dropout", "LoRA's dropout", "P"),
        Text("--lora-targets", "the adapted projections", "q_proj,v_proj,..."),
        Flag("--checkpointing", "activation checkpointing per decoder layer"),
        Flag("--mixed-precision", "bf16 compute with fp32 master weights"),
    ];

    // Values are read as text and parsed by Arguments, in the invariant culture and with errors that name the option.
    public static Option<string> Text(string name, string description, string valueName) =>
        new(name) { Description = description, HelpName = valueName };

    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    private static Argument<string> RunId() => new("run") { Description = "the run's id" };

    public static void Add(Command command, params Option[][] groups)
    {
        foreach (var option in groups.SelectMany(g => g))
            command.Options.Add(option);
    }

    /// <summary>Runs <paramref name="run"/> on the command's parsed arguments, turning a usage error into its message and exit code 2.</summary>
    public static void SetAction(Command command, Func<Arguments, Task<int>> run) =>
        command.SetAction(async (result, _) =>
        {
            try
            {
                return await run(new Arguments(result));
            }
            catch (UsageException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
        });

    /// <summary>
    /// Parses and runs the command line. The commands handle Ctrl+C themselves (a watch stops watching, an experiment
    /// stops between steps), so System.CommandLine's own handler is off.
    /// </summary>
    public static Task<int> InvokeAsync(RootCommand root, string[] args) =>
        root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
}
