using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using OnlyPrompt.Common.V1;

namespace OnlyPrompt.Orchestrator.Reuse;

/// <summary>
/// A stage's identity: SHA-256 over its kind, the version of its implementation and its inputs, the requests a stage
/// sends with everything about where outputs go removed. Blobs and checkpoints count by content hash, not by where they
/// are stored, so a stage whose inputs are another run's identical outputs has the same key.
/// </summary>
public static class StageKey
{
    /// <summary>
    /// Bumped when a stage kind's outputs change for the same inputs (new training code, a new world generator, a changed
    /// record): records committed under the old version are then never reused.
    /// </summary>
    public static int Version(StageKind kind) => kind switch
    {
        StageKind.Prepare => 1,
        StageKind.Initialise => 1,
        StageKind.Sft or StageKind.Offline or StageKind.TrainRound => 2, // 2: memory-lean log-probs (same values up to float rounding)
        StageKind.Sample => 1,
        StageKind.Filter => 2, // 2: also the quality of every sampled pair, not only of the kept ones
        StageKind.Evaluate => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "this stage is never shared."),
    };

    /// <summary>
    /// The key of a stage of <paramref name="kind"/> whose result depends on exactly <paramref name="inputs"/> (messages or scalars).
    /// </summary>
    public static string For(StageKind kind, params object?[] inputs)
    {
        var text = new StringBuilder($"{kind}/v{Version(kind)}");
        foreach (var input in inputs)
            text.Append('\n').Append(input switch
            {
                null => "null",
                IMessage message => $"{message.Descriptor.FullName} {JsonFormatter.Default.Format(Canonical(message))}",
                IFormattable scalar => scalar.ToString(null, CultureInfo.InvariantCulture),
                _ => input.ToString(),
            });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    // Where outputs go (output_container, output_name, output_prefix) and the job's id name a place, not an input.
    private static readonly HashSet<string> PlaceFields = ["output_container", "output_name", "output_prefix", "job_id"];

    private static IMessage Canonical(IMessage message)
    {
        var copy = message.Descriptor.Parser.ParseFrom(message.ToByteString());
        Strip(copy);
        return copy;
    }

    private static void Strip(IMessage message)
    {
        switch (message)
        {
            case BlobRef blob:
                (blob.Container, blob.Name) = ("", "");
                return;
            case CheckpointRef checkpoint:
                (checkpoint.Container, checkpoint.Prefix) = ("", "");
                return;
        }
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (PlaceFields.Contains(field.Name))
            {
                field.Accessor.Clear(message);
                continue;
            }
            if (field.FieldType != FieldType.Message)
                continue;
            var value = field.Accessor.GetValue(message);
            if (field.IsMap)
            {
                var valueField = field.MessageType.FindFieldByNumber(2);
                if (valueField.FieldType == FieldType.Message)
                    foreach (System.Collections.DictionaryEntry entry in (System.Collections.IDictionary)value)
                        Strip((IMessage)entry.Value!);
            }
            else if (field.IsRepeated)
                foreach (IMessage item in (System.Collections.IList)value)
                    Strip(item);
            else if (value is IMessage child)
                Strip(child);
        }
    }
}
