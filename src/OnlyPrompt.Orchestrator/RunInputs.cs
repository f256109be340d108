using OnlyPrompt.Orchestrator.V1;

namespace OnlyPrompt.Orchestrator;

/// <summary>
/// The prepare stage: records the run's given data under the roles later stages read ("sft", "sft1", ...,
/// "preferences", "prompts", "eval", "round_answers") and its base model as the first checkpoint, unless the base model
/// comes without weights (base_model_weight_seed): then the initialise stage commits the first checkpoint.
/// </summary>
public static class RunInputs
{
    public const string Sft = "sft", Preferences = "preferences", Prompts = "prompts", Eval = "eval", RoundAnswers = "round_answers";

    public static StageRecord Record(GivenData given)
    {
        var record = new StageRecord { Checkpoint = given.HasBaseModelWeightSeed ? null : given.BaseModel };
        for (var i = 0; i < given.SftData.Count; i++)
            record.Files[SftRole(i)] = given.SftData[i];
        if (given.PreferenceData is not null) record.Files[Preferences] = given.PreferenceData;
        if (given.Prompts is not null) record.Files[Prompts] = given.Prompts;
        if (given.RoundAnswers is not null) record.Files[RoundAnswers] = given.RoundAnswers;
        record.Files[Eval] = given.EvalSet;
        return record;
    }

    /// <summary>The SFT datasets in the order the spec gives them.</summary>
    public static IEnumerable<Common.V1.BlobRef> SftFiles(StageRecord prepared) =>
        Enumerable.Range(0, prepared.Files.Count).Select(SftRole).TakeWhile(prepared.Files.ContainsKey).Select(role => prepared.Files[role]);

    private static string SftRole(int index) => index == 0 ? Sft : Sft + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
