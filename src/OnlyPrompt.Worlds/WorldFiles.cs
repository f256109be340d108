using OnlyPrompt.Method.Data;

namespace OnlyPrompt.Worlds;

/// <summary>
/// An experiment's world written to a folder, deterministic in the options: its datasets as JSON Lines and its tiny base
/// model as a Hugging Face folder without weights (<see cref="BaseModelConfig"/>), whose weights are initialised from
/// <see cref="WeightSeed"/> where libtorch runs. The in-process runner reads them from there; the CLI uploads them as given data.
/// </summary>
public sealed record WorldFiles(GeneratedWorld World, string Sft, string Judge, string Preferences, string Prompts, string Eval,
    string RoundAnswers, string BaseModelConfig, long WeightSeed)
{
    public static WorldFiles Write(string directory, ExperimentOptions options)
    {
        Directory.CreateDirectory(directory);
        var world = new WorldGenerator(options.World with { Seed = options.Seed }).Generate();
        string In(string name) => Path.Combine(directory, name);
        JsonLines.Write(In("sft.jsonl"), world.Sft);
        JsonLines.Write(In("judge.jsonl"), world.Judge);
        JsonLines.Write(In("preferences.jsonl"), world.Preferences);
        JsonLines.Write(In("prompts.jsonl"), world.RoundPrompts);
        JsonLines.Write(In("eval.jsonl"), world.Eval);
        JsonLines.Write(In("round-answers.jsonl"), world.RoundAnswers);
        BaseModelWriter.Write(In("base-config"), options.Model, ExperimentVocabulary.Texts(world, options.Templates));
        return new WorldFiles(world, In("sft.jsonl"), In("judge.jsonl"), In("preferences.jsonl"), In("prompts.jsonl"), In("eval.jsonl"),
            In("round-answers.jsonl"), In("base-config"), options.Seed);
    }
}
