using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using OnlyPrompt.Evaluation.Judging;
using OnlyPrompt.Services.Tests.Support;

namespace OnlyPrompt.Services.Tests;

/// <summary>The Sampler's OpenAI-compatible API over real HTTP/1.1, with a checkpoint from Azurite, and the judge client against it.</summary>
[Collection(ServiceStackCollection.Name)]
public sealed class OpenAiEndpointTests(ServiceStack stack) : IAsyncLifetime
{
    private const string Container = "openai-tests";
    private readonly HttpClient http = new();
    private string model = "";
    private Common.V1.CheckpointRef checkpoint = null!;
    private Worlds.GeneratedWorld world = null!;

    public async Task InitializeAsync()
    {
        (checkpoint, world) = await TinyWorld.UploadAsync(stack.Store, Container);
        model = $"{checkpoint.Container}/{checkpoint.Prefix}";
    }

    public Task DisposeAsync()
    {
        http.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Chat_completions_answer_in_OpenAI_shape_with_log_probs_and_the_same_seed_gives_the_same_answer()
    {
        var request = new JsonObject
        {
            ["model"] = model, ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Sort: 3 1 2" }),
            ["max_tokens"] = 5, ["temperature"] = 1.0, ["seed"] = 11, ["n"] = 2, ["logprobs"] = true, ["top_logprobs"] = 3,
        };

        var first = await PostAsync("chat/completions", request);
        var again = await PostAsync("chat/completions", request);

        Assert.Equal("chat.completion", (string?)first["object"]);
        Assert.Equal(model, (string?)first["model"]);
        var choices = first["choices"]!.AsArray();
        Assert.Equal(2, choices.Count);
        foreach (var choice in choices)
        {
            Assert.Equal("assistant", (string?)choice!["message"]!["role"]);
            Assert.Contains((string?)choice["finish_reason"], new[] { "stop", "length" });
            var tokens = choice["logprobs"]!["content"]!.AsArray();
            Assert.InRange(tokens.Count, 1, 5);
            Assert.All(tokens, t => Assert.Equal(3, t!["top_logprobs"]!.AsArray().Count));
            Assert.All(tokens, t => Assert.True((double)t!["logprob"]! <= 0));
        }
        // The same seed samples the same tokens; log-probs agree to float precision (libtorch's threaded reductions need
        // not be bitwise reproducible from one call to the next).
        string Texts(JsonNode response) => string.Join("|", response["choices"]!.AsArray().Select(c => (string?)c!["message"]!["content"]));
        double[] LogProbs(JsonNode response) => response["choices"]!.AsArray()
            .SelectMany(c => c!["logprobs"]!["content"]!.AsArray().Select(t => (double)t!["logprob"]!)).ToArray();
        Assert.Equal(Texts(first), Texts(again));
        Assert.Equal(LogProbs(first), LogProbs(again), (a, b) => Math.Abs(a - b) < 1e-4);
        var usage = first["usage"]!;
        Assert.Equal((int)usage["prompt_tokens"]! + (int)usage["completion_tokens"]!, (int)usage["total_tokens"]!);
        Assert.Equal(choices.Sum(c => c!["logprobs"]!["content"]!.AsArray().Count), (int)usage["completion_tokens"]!);
    }

    [Fact]
    public async Task Completions_return_legacy_log_probs_for_each_prompt()
    {
        var response = await PostAsync("completions", new JsonObject
        {
            ["model"] = model, ["prompt"] = new JsonArray("Sort: 3 1 2", "Max: 4 9 2"), ["max_tokens"] = 4, ["temperature"] = 0, ["logprobs"] = 2,
        });

        var choices = response["choices"]!.AsArray();
        Assert.Equal("text_completion", (string?)response["object"]);
        Assert.Equal([0, 1], choices.Select(c => (int)c!["index"]!));
        foreach (var choice in choices)
        {
            var logProbs = choice!["logprobs"]!;
            var count = logProbs["tokens"]!.AsArray().Count;
            Assert.Equal(count, logProbs["token_logprobs"]!.AsArray().Count);
            Assert.Equal(count, logProbs["text_offset"]!.AsArray().Count);
            // Greedy: every chosen token is the most likely one.
            foreach (var (chosen, top) in logProbs["token_logprobs"]!.AsArray().Zip(logProbs["top_logprobs"]!.AsArray()))
                Assert.Equal(top!.AsObject().Max(p => (double)p.Value!), (double)chosen!, 4);
        }
    }

    [Theory]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 400, "model")]
    [InlineData("{\"model\":\"openai-tests/no-such\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 404, "model")]
    [InlineData("{\"model\":\"M\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":3}", 400, "temperature")]
    [InlineData("{\"model\":\"M\",\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}", 400, "messages[0].role")]
    [InlineData("{\"model\":\"M\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":100000}", 400, "max_tokens")]
    [InlineData("{\"model\":\"M\",\n\"messages\": [", 400, "body")]
    public async Task Bad_requests_get_an_OpenAI_error_naming_the_field(string body, int status, string param)
    {
        using var response = await http.PostAsync(new Uri(stack.SamplerHttp, "/v1/chat/completions"),
            new StringContent(body.Replace("\"M\"", $"\"{model}\""), Encoding.UTF8, "application/json"));
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!;

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(param, (string?)error["param"]);
        Assert.StartsWith(param + ":", (string?)error["message"]);
    }

    [Fact]
    public async Task The_judge_client_talks_to_our_own_endpoint_reports_unreadable_verdicts_and_caches_answers()
    {
        using var files = new TempDirectory();
        var client = new OpenAiChatClient(http, new OpenAiEndpoint(new Uri(stack.SamplerHttp, "/v1"), model));
        var cached = new CachedChatCompletions(client, files.File("judge-cache.jsonl"));

        var completion = await client.CompleteAsync(new ChatCompletionRequest([new ChatTurn("user", "Sort: 3 1 2")], MaxTokens: 3, TopLogProbs: 5),
            CancellationToken.None);
        var rating = await new RatingJudge(cached, maxTokens: 8).RateAsync("Sort: 3 1 2", "1 2 3", CancellationToken.None);
        var pair = await new PairwiseJudge(cached, PairwiseMode.LogProbs).CompareAsync("Sort: 3 1 2", "1 2 3", "3 2 1", CancellationToken.None);
        await new RatingJudge(cached, maxTokens: 8).RateAsync("Sort: 3 1 2", "1 2 3", CancellationToken.None);

        Assert.Equal(5, completion.FirstTokenAlternatives.Count);
        Assert.False(rating.Parsed); // an untrained tiny model writes no [[rating]]: reported, not scored
        Assert.Equal("no [[rating]] in the reply", rating.Problem);
        Assert.Equal(pair.ModelWins is null, pair.Problem is not null);
        Assert.Equal(1, cached.Hits);
        Assert.Equal(3, cached.Count);
    }

    [Fact]
    public async Task The_judge_client_names_the_server_when_it_refuses()
    {
        var client = new OpenAiChatClient(http, new OpenAiEndpoint(new Uri(stack.SamplerHttp, "/v1"), "openai-tests/missing"));
        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            client.CompleteAsync(new ChatCompletionRequest([new ChatTurn("user", "hi")], 2), CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains("no checkpoint at openai-tests/missing", error.Message);
    }

    [Fact]
    public async Task The_Evaluator_grades_answers_with_an_LLM_judge_and_reports_unreadable_verdicts_instead_of_scoring_them()
    {
        using var files = new TempDirectory();
        OnlyPrompt.Method.Data.JsonLines.Write(files.File("eval.jsonl"),
            new[] { new OnlyPrompt.Method.Data.EvalRecord("Sort: 3 1 2", "1 2 3", "sort"),
            new OnlyPrompt.Method.Data.EvalRecord("Max: 4 9 2", "9", "max") });
        var evalSet = (await stack.Store.UploadFileAsync(Container, "judge-eval.jsonl", files.File("eval.jsonl"))).ToContract();
        var checkpoint = new Common.V1.CheckpointRef { Container = Container, Prefix = model[(Container.Length + 1)..] };
        checkpoint.Sha256 = (await stack.Store.TryDescribeAsync(Container, $"{checkpoint.Prefix}/index.json"))!.Sha256;
        var evaluator = new Evaluator.V1.Evaluator.EvaluatorClient(stack.Evaluator.Channel);
        Evaluator.V1.EvaluateRequest Request(string name, Evaluator.V1.JudgeSettings? judge, Common.V1.BlobRef? baseline = null) => new()
        {
            Model = checkpoint, EvalSet = evalSet, Scorer = Evaluator.V1.Scorer.Exact, MaxNewTokens = 4,
                OutputContainer = Container, OutputName = name,
            Judge = judge, BaselineReport = baseline,
        };
        var judge = new Evaluator.V1.JudgeSettings { BaseUrl = new Uri(stack.SamplerHttp, "/v1").ToString(), Model = model,
            Mode = Evaluator.V1.JudgeMode.Rating, MaxTokens = 8 };

        var rated = await evaluator.EvaluateAsync(Request("rated.json", judge));
        var compared = await evaluator.EvaluateAsync(Request("compared.json",
            new Evaluator.V1.JudgeSettings(judge) { Mode = Evaluator.V1.JudgeMode.PairwiseLogprobs }, rated.Report));
        var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => evaluator.EvaluateAsync(
            Request("refused.json", new Evaluator.V1.JudgeSettings(judge) { Mode = Evaluator.V1.JudgeMode.PairwiseVerdict,
                Model = "" })).ResponseAsync);

        Assert.Equal(2, rated.JudgeUnreadable); // the untrained tiny judge writes no [[rating]]
        Assert.Null(rated.JudgeRating);
        Assert.InRange(compared.JudgeUnreadable, 0, 2);
        Assert.Equal(compared.JudgeUnreadable == 2, compared.JudgeLcWinRate is null); // win rates only from readable comparisons
        Assert.Contains("judge.model", refused.Status.Detail);
        Assert.Contains("baseline_report", refused.Status.Detail);
    }

    [Fact]
    public async Task A_Sampler_generating_through_a_remote_OpenAI_server_writes_the_same_greedy_pairs_as_one_running_the_model_itself()
    {
        await using var remote = await InProcessService.StartAsync(OnlyPrompt.Sampler.SamplerApp.Build,
            [.. stack.Settings("remote-sampler"), "--OnlyPrompt:RemoteGeneration:BaseUrl", new Uri(stack.SamplerHttp, "/v1").ToString()]);
        using var files = new TempDirectory();
        OnlyPrompt.Method.Data.JsonLines.Write(files.File("prompts.jsonl"), world.RoundPrompts.Take(6));
        var prompts = (await stack.Store.UploadFileAsync(Container, "remote-prompts.jsonl", files.File("prompts.jsonl"))).ToContract();
        async Task<List<OnlyPrompt.Method.Filtering.SampledPair>> PairsAsync(InProcessService sampler, string name)
        {
            using var call = new Sampler.V1.Sampler.SamplerClient(sampler.Channel).SamplePairs(new Sampler.V1.SamplePairsRequest
            {
                Policy = checkpoint, Prompts = prompts, Templates = new Common.V1.PromptTemplates { Chosen = OnlyPrompt.Method.Data.PromptTemplates.DefaultChosen, Rejected = OnlyPrompt.Method.Data.PromptTemplates.DefaultRejected },
                RejectedScore = 3, Sampling = new Common.V1.SamplingSettings { MaxNewTokens = 6, Temperature = 0, TopP = 1, BatchSize = 4 },
                OutputContainer = Container, OutputName = name, IdPrefix = "t",
            });
            Sampler.V1.SamplePairsResult? result = null;
            await foreach (var item in call.ResponseStream.ReadAllAsync())
                result = item.Result ?? result;
            await stack.Store.DownloadFileAsync(result!.Pairs.ToStored(), files.File(name));
            return OnlyPrompt.Method.Data.JsonLines.Read<OnlyPrompt.Method.Filtering.SampledPair>(files.File(name)).ToList();
        }

        var local = await PairsAsync(stack.Sampler, "local-pairs.jsonl");
        var remoteAnswers = await PairsAsync(remote, "remote-pairs.jsonl");

        Assert.Equal(6, local.Count);
        Assert.Equal(local, remoteAnswers);
        Assert.False(Directory.Exists(Path.Combine(stack.WorkDirectory("remote-sampler"), "checkpoints"))); // it never fetched the model
    }

    private async Task<JsonObject> PostAsync(string path, JsonObject body)
    {
        using var response = await http.PostAsJsonAsync(new Uri(stack.SamplerHttp, "/v1/" + path), body);
        var json = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, json);
        return JsonNode.Parse(json)!.AsObject();
    }
}
