using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace OnlyPrompt.Settings;

/// <summary>
/// A setting that breaks its rule: the property, its value and what it must be. The library throws the first one
/// (<see cref="ThrowFirst"/>); a service names every one by its field in the request (<see cref="Field"/>).
/// </summary>
/// <param name="OutOfRange">Whether the value lies outside its range (thrown as ArgumentOutOfRangeException), not broken otherwise.</param>
public sealed record SettingProblem(string Property, object? Value, string Rule, bool OutOfRange = true)
{
    /// <summary>The property as a protobuf field is spelt: <c>LearningRate</c> is <c>learning_rate</c>.</summary>
    public string Field => JsonNamingPolicy.SnakeCaseLower.ConvertName(Property);

    /// <summary>"is 0; it must be > 0."</summary>
    public string Problem => $"is {Format(Value)}; {Rule}.";

    public static void ThrowFirst(IEnumerable<SettingProblem> problems)
    {
        if (problems.FirstOrDefault() is not { } first)
            return;
        var message = $"{first.Property} {first.Problem}";
        throw first.OutOfRange
            ? new ArgumentOutOfRangeException(first.Property, first.Value, message)
            : new ArgumentException(message, first.Property);
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        string text => text,
        IEnumerable items => $"[{string.Join(", ", items.Cast<object>())}]",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
