using OnlyPrompt.Cli;
using OnlyPrompt.Method.Data;
using OnlyPrompt.Model;
using OnlyPrompt.Orchestrator;
using OnlyPrompt.Orchestrator.V1;
using OnlyPrompt.Services.Tests.Support;
using OnlyPrompt.TestSupport.Models;
using OnlyPrompt.Worlds;

namespace OnlyPrompt.Services.Tests;

/// <summary>
/// The paper's model families through the services: a Mistral-shaped checkpoint with the real Llama-2-family
/// SentencePiece tokenizer and Mistral's chat template, and a Gemma-tokenized one with Gemma's template, each given as
/// data (random weights: the run checks the pipeline, not quality).
/// </summary>
[Collection(ServiceStackCollection.Name)]
public sealed class SentencePieceModelRunTests(ServiceStack stack)
{
    private const string Container = "sentencepiece-runs";

    [Theory]
    [InlineData("mistral", "tokenizer-llama2", "MistralForCausalLM", "<s>", "</s>", "<s> [INST] ")]
    [InlineData("gemma", "tokenizer-gemma3", "LlamaForCausalLM", "<bos>", "<end_of_turn>", "<bos><start_of_turn>user\n")]
    public async Task A_smoke_round_runs_on_the_models_own_tokenizer_and_chat_template(string family, string package, string architecture,
        string bos, string eos, string promptStart)
    {
        using var files = new TempDirectory();
        var template = family == "mistral" ? KnownChatTemplates.MistralV02 : GemmaTemplate();
        TokenizedModels.Write(files.File("model"), package, architecture, template, bos, eos, slidingWindow: family == "mistral" ? 4096 : null);
        using (var local = PretrainedModel.Load(files.File("model")))
        {
            Assert.StartsWith(promptStart + "Please produce", local.Template.RenderUser(new PromptTemplates().Chosen + "sort : b a"));
            Assert.Contains(local.Tokenizer.TokenToId(eos)!.Value, local.StopTokenIds);
        }

        var world = new WorldGenerator(ExperimentOptions.Preset("smoke", 5).World).Generate();
        var spec = RunSpecs.FromExperiment(ExperimentOptions.Preset("smoke", 5));
        spec.Given = new GivenData
        {
            BaseModel = (await stack.Store.UploadDirectoryAsync(Container, $"{family}/base", files.File("model"))).ToContract(),
            PreferenceData = await UploadAsync(files, $"{family}/preferences.jsonl", world.Preferences.Take(24)),
            Prompts = await UploadAsync(files, $"{family}/prompts.jsonl", world.RoundPrompts.Take(12)),
            EvalSet = await UploadAsync(files, $"{family}/eval.jsonl", world.Eval.Take(8)),
        };
        spec.Given.SftData.Add(await UploadAsync(files, $"{family}/sft.jsonl", world.Sft.Take(48)));
        while (spec.Rounds.Count > 1)
            spec.Rounds.RemoveAt(spec.Rounds.Count - 1);
        spec.Sft.Epochs = 1;
        spec.Sft.TokensPerBatch = 512;
        spec.Offline.Training.TokensPerBatch = 512;
        spec.Rounds[0].Train.Training.TokensPerBatch = 512;
        spec.Evaluation.CalibrationPrompts = 0;
        spec.Sampling.MaxNewTokens = 8;
        spec.Evaluation.MaxNewTokens = 8;

        var runId = $"sentencepiece-{family}";
        await stack.Client.StartRunAsync(new StartRunRequest { Spec = spec, RunId = runId });
        var run = await Runs.WatchToEndAsync(stack.Client, runId, TimeSpan.FromMinutes(8));

        Assert.True(run.State == RunState.Succeeded, run.Error);
        Assert.Equal(RunPlan.For(spec).Select(s => s.Name), run.Stages.Select(s => s.Name));
        var sample = run.Stages.Single(s => s.Name == "round-1/sample");
        Assert.Equal(12, sample.Metrics["pairs"]);
        using var downloaded = new TempDirectory();
        var final = await stack.Store.DownloadCheckpointAsync(run.Stages.Last(s => s.Checkpoint is not null).Checkpoint.ToStored(), downloaded.Path);
        using var trained = PretrainedModel.Load(final);
        Assert.StartsWith(promptStart, trained.Template.RenderUser("sort : b a"));
        Assert.Equal(File.ReadAllBytes(files.File("model/tokenizer.json")), File.ReadAllBytes(Path.Combine(final, "tokenizer.json")));
    }

    private static string GemmaTemplate() =>
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(TokenizedModels.PackageModels("tokenizer-gemma3"),
            "tokenizer_config.json")))!
            ["chat_template"]!.GetValue<string>();

    private async Task<Common.V1.BlobRef> UploadAsync<T>(TempDirectory files, string name, IEnumerable<T> records)
    {
        var path = files.File(name.Replace('/', '-'));
        JsonLines.Write(path, records);
        return (await stack.Store.UploadFileAsync(Container, name, path)).ToContract();
    }
}
