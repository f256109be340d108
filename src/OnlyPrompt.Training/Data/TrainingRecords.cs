namespace OnlyPrompt.Training.Data;

/// <summary>A preference pair as token ids, with the reference model's summed log-probs once cached.</summary>
public sealed record PreferencePair(string Id, int[] Prompt, int[] Chosen, int[] Rejected)
{
    public float? ReferenceChosen { get; init; }
    public float? ReferenceRejected { get; init; }

    /// <summary>
    /// The prompt the NLL term (RPO) trains the chosen response after, when not <see cref="Prompt"/>: the prompt with the
    /// chosen prefix it was sampled from, so the term teaches 10 / 10 answers where they were asked for.
    /// </summary>
    public int[]? NllPrompt { get; init; }

    public bool HasReference => ReferenceChosen is not null && ReferenceRejected is not null;
}

/// <summary>An instruction and its response as token ids, for supervised fine-tuning.</summary>
public sealed record SftExample(string Id, int[] Prompt, int[] Response);
