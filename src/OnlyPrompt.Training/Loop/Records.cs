using OnlyPrompt.Model.Configuration;

namespace OnlyPrompt.Training.Loop;

internal static class Records
{
    public static void Check(string id, LlamaConfig config, params (string Field, int[] Tokens)[] fields)
    {
        if (string.IsNullOrWhiteSpace(id))
            throw new ArgumentException("a training record has an empty Id.");
        foreach (var (field, tokens) in fields)
        {
            if (tokens.Length == 0)
                throw new ArgumentException($"record '{id}': {field} is empty.");
            foreach (var token in tokens)
                if (token < 0 || token >= config.VocabSize)
                    throw new ArgumentException($"record '{id}': {field} holds token id {token}, outside the vocabulary of {config.VocabSize}.");
        }
        var prompt = fields[0].Tokens.Length;
        foreach (var (field, tokens) in fields.Skip(1))
            if (prompt + tokens.Length > config.MaxSequenceLength)
                throw new ArgumentException($"record '{id}': prompt + {field} is {prompt + tokens.Length} tokens, longer than the model's context " +
                    $"of {config.MaxSequenceLength}.");
    }
}
