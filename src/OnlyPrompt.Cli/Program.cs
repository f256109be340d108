using OnlyPrompt.Cli;

// Only the in-process experiment trains and samples here, so only it re-runs itself with libtorch's malloc settings;
// the client commands start at once.
if (args.FirstOrDefault() == "experiment" && OnlyPrompt.Model.GlibcMallocTuning.RerunWithSettingsIfNeeded(args) is { } exitCode)
    return exitCode;

try
{
    return args.FirstOrDefault() switch
    {
        "experiment" => ExperimentCommand.Run(args[1..]),
        "run" or "watch" or "list" or "get" or "cancel" => await RunCommands.RunAsync(args[0], args[1..]),
        "compare" => await CompareCommand.RunAsync(args[1..]),
        "report" => await ReportCommand.RunAsync(args[1..]),
        _ => Usage(),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage:
          onlyprompt experiment [--preset default|second|smoke] [--seed N] [--out DIR] [--threads N] [--device cpu|cuda] [--from-sft DIR]
                                [--model-dim N] [--model-layers N] [--sft-epochs N] [--round-prompts N] [--families sort,max,...]
                                [--round-reference previous|initial] [run's round options]
              the default experiment in this process, with each round's likelihood probe (--round-prompts: prompts of each
              round's own set; --families: the world's task families, default sort, alphabetize, dedupe; --preset second:
              the second world's own tasks; --round-reference initial: pi_0 as every round's reference, a study option)
          onlyprompt run [--preset default|second|smoke] [--seed N] [--schedule 3,5,7] [--round-lr 5e-5,2.5e-5,1.25e-5] [--round-loss dpo|ipo|simpo|...]
                         [--round-beta B] [--round-nll A] [--nll-context plain|chosen-prefix] [--round-dpop LAMBDA]
                         [--round-epochs N] [--round-batch-tokens N] [--temperature T]
                         [--kind KIND] [--stop-without-prefix-gap] [--keep-better-model] [--no-reuse] [--id RUN] [--detach]
              start a run on the orchestrator and watch it (--round-nll: weight of an NLL term on the chosen answers, RPO;
              --nll-context chosen-prefix: that term scores each chosen answer after the 10/10 prompt it was sampled with;
              --round-dpop: DPOP's penalty on chosen answers below the reference, DPO only; --round-batch-tokens: each round's
              token budget per batch); KIND: only-prompting (default), self-rewarding, fixed-gap,
              offline-dpo, offline-simpo, chosen-prefix, adaptive-gap; --stop-without-prefix-gap: fail before a round whose
              policy answers no better with the 10/10 prefix than without (the gap is measured and warned about always);
              --keep-better-model: a round worse than its reference beyond the interval hands the reference on;
              --no-reuse: compute every stage even when a committed stage of any run has the same key (inputs, settings, seed)
          onlyprompt run --model DIR --prompts FILE --eval FILE [--sft FILE] [--preferences FILE] [--reward-model DIR]
                         [--scorer exact|reward-model|judge] [--judge-url URL --judge-model NAME] [--judge-key-env VAR]
                         [--judge-mode pairwise|pairwise-logprobs|rating] [--rounds N] [--columns-sft|preferences|prompts|eval canonical=actual,...]
                         [--sft-lr LR] [--offline-lr LR] [--batch-tokens N] [--max-new-tokens N] [--calibration-prompts N]
                         [--lora RANK [--lora-alpha A] [--lora-dropout P] [--lora-targets q_proj,v_proj,...]] [--checkpointing] [--mixed-precision]
                         [--container NAME] [--name NAME] [run's round options] [--id RUN] [--detach]
              the method on your own Hugging Face model and datasets (JSON Lines or Parquet in TRL's shapes, AlpacaEval,
              MT-Bench); files are checked before anything is uploaded, then uploaded by content hash; --lora: each training
              stage trains a LoRA adapter (saved under checkpoint/adapter/ in PEFT's layout) and merges it; --checkpointing:
              activation checkpointing per decoder layer; --mixed-precision: bf16 compute with fp32 master weights
          onlyprompt run --spec FILE.json [--id RUN] [--detach] [--no-reuse] [--stop-without-prefix-gap] [--keep-better-model]
              a RunSpec in protobuf JSON (// comment lines); references without a container are local files and model
              folders, checked and uploaded by content hash (docs/examples/paper-setting.spec.json)
          onlyprompt compare [--preset default|second|smoke] [--seeds 1,2,3] [--kinds K1,K2,...] [--no-reuse] [--out FILE] [--blobs CONNECTION]
              run every kind over the seeds (reusing finished runs) and print the paper's tables
          onlyprompt watch RUN | get RUN | cancel RUN | list
          onlyprompt report RUN [--out DIR]     save the run's report (Markdown and PNG plots) and print it
        client options: --address URL (or ONLYPROMPT_ADDRESS; default http://127.0.0.1:5170), --api-key KEY (or ONLYPROMPT_API_KEY),
                        --blobs CONNECTION-STRING (or ONLYPROMPT_BLOBS; default: the local AppHost's Azurite) where results are read
        """);
    return 2;
}
