namespace OnlyPrompt.Experiment.World;

public enum TaskFamily
{
    /// <summary>"sort : 7 2 9" -> "2 7 9"</summary>
    Sort,
    /// <summary>"alphabetize : d a c" -> "a c d" (letters a to l)</summary>
    Alphabetize,
    /// <summary>"dedupe : 3 1 3 2" -> "1 2 3" (the distinct digits, sorted)</summary>
    Dedupe,
    /// <summary>"max : 3 8 1" -> "8"</summary>
    Max,
    /// <summary>"reverse : c a t" -> "t a c"</summary>
    Reverse,
    /// <summary>"add : 2 3 + 4 5" -> "6 8" (numbers written digit by digit)</summary>
    Add,
    /// <summary>"count b in : a b b c" -> "2"</summary>
    Count,
    /// <summary>"shift : a b z" -> "b c a" (each letter to the next, z wraps to a)</summary>
    Shift,
}
