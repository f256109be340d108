using OnlyPrompt.Common.V1;
using OnlyPrompt.Datasets;
using OnlyPrompt.Evaluator.V1;
using OnlyPrompt.Method.Filtering;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Storage;
using OnlyPrompt.Worlds;
using LossSettings = OnlyPrompt.Settings.LossSettings;
using PreferenceLoss = OnlyPrompt.Settings.PreferenceLoss;
using SamplingOptions = OnlyPrompt.Settings.SamplingOptions;
using TrainingOptions = OnlyPrompt.Settings.TrainingOptions;

namespace OnlyPrompt.Cli;

/// <summary>
/// <c>onlyprompt run --model DIR --prompts FILE --eval FILE [--sft FILE] [--preferences FILE] [--reward-model DIR]</c>:
/// the method on the user's own Hugging Face model and datasets. Every file is read and checked here first (a bad row
/// stops everything before anything is uploaded); then files and model folders go to blob storage by content hash
/// (skipped when already there) and the run starts as a given-data run.
/// </summary>
public static class ModelDataRun
{
    /// <summary>
    /// Hyperparameters for real models (the reference run's 7B settings, scaled for the SFT stage): a learning rate in
    /// the 1e-7 range for preference training and lowered round by round, and long enough answers for chat data.
    /// </summary>
    public static ExperimentOptions Defaults(int seed) => new()
    {
        PresetName = "model",
        Seed = seed,
        Sft = new TrainingOptions { LearningRate = 2e-5, WarmupSteps = 10, MinLearningRateRatio = 0.1, Epochs = 1,
            TokensPerBatch = 8192, MaxGradNorm = 1.0 },
        OfflineLoss = PreferenceLoss.SimPo,
        OfflineSettings = new LossSettings { Beta = 2.0, Gamma = 1.6 },
        Offline = new TrainingOptions { LearningRate = 3e-7, WarmupSteps = 10, Epochs = 1, TokensPerBatch = 8192 },
        RoundLearningRates = [5e-7, 1e-7, 1e-8],
        RoundTraining = new TrainingOptions { LearningRate = 5e-7, WarmupSteps = 10, Epochs = 1, TokensPerBatch = 8192 },
        Sampling = new SamplingOptions { Temperature = 0.7, TopP = 0.95, MaxNewTokens = 512 },
        Filter = new FilterOptions(),
        EvalMaxNewTokens = 512,
        CalibrationPrompts = 8,
        GenerationBatch = 8,
    };

    /// <summary>True when the arguments name a model, i.e. this is a run on the user's data rather than a preset.</summary>
    public static bool Requested(Arguments arguments) => arguments.Text("--model") is not null;

    public static async Task<RunSpec> PrepareAsync(Arguments arguments, BlobStore store, TextWriter log, CancellationToken cancellation)
    {
        var model = Folder(arguments, "--model") ?? throw new UsageException("--model: give a Hugging Face model folder.");
        var rewardModel = Folder(arguments, "--reward-model");
        var judge = Judge(arguments);
        var scorer = ChooseScorer(arguments, rewardModel, judge);
        var container = arguments.Text("--container") ?? StorageLayout.DefaultContainer;
        var seed = arguments.Integer("--seed") ?? 1;
        var options = Options(arguments, seed);
        var files = DataFiles(arguments);
        var columns = files.Keys.ToDictionary(k => k, k => ParseColumns(arguments.Text($"--columns-{Option(k)}"), k));
        var name = arguments.Text("--name");
        var lora = Lora(arguments);
        var checkpointing = arguments.Flag("--checkpointing");
        var mixedPrecision = arguments.Flag("--mixed-precision");

        // Everything is read and checked before anything is uploaded.
        LocalInputs.RequireModelFiles(model, "--model");
        if (rewardModel is not null)
            LocalInputs.RequireModelFiles(rewardModel, "--reward-model");
        using var inputs = new LocalInputs(store, container, log);
        var imported = files.Where(f => f.Value is not null)
            .ToDictionary(f => f.Key, f => inputs.Import($"--{Option(f.Key)}", f.Key, f.Value!, columns[f.Key], scorer, judge));

        var spec = RunSpecs.FromExperiment(options);
        spec.Name = name ?? $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(model))}-seed{seed}";
        spec.Given = await UploadAsync(inputs, model, imported, cancellation);
        if (spec.Given.SftData.Count == 0)
            spec.Sft = null; // the base model is the SFT model, as with an instruct model
        if (spec.Given.PreferenceData is null)
            spec.Offline = null;
        foreach (var training in new[] { spec.Sft, spec.Offline?.Training }
            .Concat(spec.Rounds.Select(r => r.Train.Training)).OfType<TrainingSettings>())
            (training.Lora, training.GradientCheckpointing, training.MixedPrecision) = (lora?.Clone(), checkpointing, mixedPrecision);
        spec.Evaluation.Scorer = scorer;
        spec.Evaluation.Judge = judge;
        if (rewardModel is not null)
            spec.Evaluation.RewardModel = await inputs.UploadModelAsync("--reward-model", rewardModel, cancellation);
        return spec;
    }

    // --scorer exact|reward-model|judge; without it the reward model if one is given, else the judge, else exact match.
    private static Scorer ChooseScorer(Arguments arguments, string? rewardModel, JudgeSettings? judge) => arguments.Text("--scorer") switch
    {
        null => rewardModel is not null ? Scorer.RewardModel : judge is not null ? Scorer.Judge : Scorer.Exact,
        "exact" => Scorer.Exact,
        "reward-model" => rewardModel is null ? throw new UsageException("--scorer reward-model needs --reward-model DIR.") : Scorer.RewardModel,
        "judge" => judge is null ? throw new UsageException("--scorer judge needs --judge-url URL and --judge-model NAME.") : Scorer.Judge,
        var other => throw new UsageException($"--scorer: '{other}' is not one of exact, reward-model, judge."),
    };

    // The real-model defaults, then the preset options every run takes, then the options only a run on given data has.
    private static ExperimentOptions Options(Arguments arguments, int seed)
    {
        var options = RunOptions.Apply(arguments, Rounds(arguments, Defaults(seed)));
        var batchTokens = arguments.Integer("--batch-tokens");
        var maxNewTokens = arguments.Integer("--max-new-tokens");
        return options with
        {
            Sft = options.Sft with
            {
                LearningRate = arguments.Number("--sft-lr") ?? options.Sft.LearningRate,
                TokensPerBatch = batchTokens ?? options.Sft.TokensPerBatch,
            },
            Offline = options.Offline with
            {
                LearningRate = arguments.Number("--offline-lr") ?? options.Offline.LearningRate,
                TokensPerBatch = batchTokens ?? options.Offline.TokensPerBatch,
            },
            RoundTraining = options.RoundTraining with { TokensPerBatch = batchTokens ?? options.RoundTraining.TokensPerBatch },
            EvalMaxNewTokens = maxNewTokens ?? options.EvalMaxNewTokens,
            Sampling = options.Sampling with { MaxNewTokens = maxNewTokens ?? options.Sampling.MaxNewTokens },
            CalibrationPrompts = arguments.Integer("--calibration-prompts") ?? options.CalibrationPrompts,
        };
    }

    private static Dictionary<DatasetKind, string?> DataFiles(Arguments arguments) => new()
    {
        [DatasetKind.Sft] = arguments.Text("--sft"),
        [DatasetKind.Preferences] = arguments.Text("--preferences"),
        [DatasetKind.Prompts] = arguments.Text("--prompts")
            ?? throw new UsageException("--prompts: give the rounds' prompts (JSON Lines or Parquet)."),
        [DatasetKind.Eval] = arguments.Text("--eval") ?? throw new UsageException("--eval: give the evaluation set (JSON Lines or Parquet)."),
    };

    private static async Task<GivenData> UploadAsync(LocalInputs inputs, string model, Dictionary<DatasetKind, string> imported,
        CancellationToken cancellation)
    {
        Task<BlobRef> UploadFile(DatasetKind kind) => inputs.UploadAsync($"--{Option(kind)}", imported[kind], cancellation);
        var given = new GivenData
        {
            BaseModel = await inputs.UploadModelAsync("--model", model, cancellation),
            Prompts = await UploadFile(DatasetKind.Prompts),
            EvalSet = await UploadFile(DatasetKind.Eval),
        };
        if (imported.ContainsKey(DatasetKind.Sft))
            given.SftData.Add(await UploadFile(DatasetKind.Sft));
        if (imported.ContainsKey(DatasetKind.Preferences))
            given.PreferenceData = await UploadFile(DatasetKind.Preferences);
        return given;
    }

    // --judge-url URL --judge-model NAME [--judge-key-env VAR] [--judge-mode rating|pairwise|pairwise-logprobs]: any OpenAI-compatible endpoint.
    private static JudgeSettings? Judge(Arguments arguments)
    {
        var (url, model) = (arguments.Text("--judge-url"), arguments.Text("--judge-model"));
        var mode = arguments.Text("--judge-mode") switch
        {
            null or "pairwise" => JudgeMode.PairwiseVerdict,
            "pairwise-logprobs" => JudgeMode.PairwiseLogprobs,
            "rating" => JudgeMode.Rating,
            var other => throw new UsageException($"--judge-mode: '{other}' is not one of rating, pairwise, pairwise-logprobs."),
        };
        var key = arguments.Text("--judge-key-env") ?? "";
        if (url is null && model is null)
            return null;
        if (url is null || model is null)
            throw new UsageException("a judge needs both --judge-url URL (up to /v1) and --judge-model NAME.");
        return new JudgeSettings { BaseUrl = url, Model = model, ApiKeyVariable = key, Mode = mode };
    }

    // --lora RANK [--lora-alpha A] [--lora-dropout P] [--lora-targets q_proj,v_proj,...]: every training stage trains an
    // adapter and merges it; alpha defaults to twice the rank, the targets to every projection.
    private static LoraSettings? Lora(Arguments arguments)
    {
        var (rank, alpha, dropout, targets) = (arguments.Integer("--lora"), arguments.Number("--lora-alpha"), arguments.Number("--lora-dropout"),
            arguments.Text("--lora-targets"));
        if (rank is null)
            return alpha is null && dropout is null && targets is null ? null
                : throw new UsageException("--lora-alpha, --lora-dropout and --lora-targets need --lora RANK.");
        var lora = new LoraSettings { Rank = rank.Value, Alpha = alpha ?? 2.0 * rank.Value, Dropout = dropout ?? 0 };
        if (targets is not null)
            lora.TargetModules.AddRange(targets.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        return lora;
    }

    private static string Option(DatasetKind kind) => kind switch
    {
        DatasetKind.Sft => "sft",
        DatasetKind.Preferences => "preferences",
        DatasetKind.Prompts => "prompts",
        _ => "eval",
    };

    // --rounds N takes the first N scores of the schedule (3, 5, 7, then 8, 9) and halves the learning rate each round.
    private static ExperimentOptions Rounds(Arguments arguments, ExperimentOptions options)
    {
        if (arguments.Integer("--rounds") is not { } rounds)
            return options;
        if (rounds is < 1 or > 5)
            throw new UsageException($"--rounds: {rounds} is not in 1..5 (give --schedule for another one).");
        int[] schedule = [3, 5, 7, 8, 9];
        return options with
        {
            RejectedScores = schedule[..rounds],
            RoundLearningRates = Enumerable.Range(0, rounds).Select(r => r < options.RoundLearningRates.Count ? options.RoundLearningRates[r]
                : options.RoundLearningRates[^1] / 10).ToList(),
        };
    }

    private static ColumnMap ParseColumns(string? text, DatasetKind kind)
    {
        try
        {
            return ColumnMap.Parse(text);
        }
        catch (DatasetException e)
        {
            throw new UsageException($"--columns-{Option(kind)}: {e.Message}");
        }
    }

    private static string? Folder(Arguments arguments, string option) => arguments.Text(option) is { } path
        ? Directory.Exists(path) ? path : throw new UsageException($"{option}: '{path}' is not a folder.")
        : null;
}
