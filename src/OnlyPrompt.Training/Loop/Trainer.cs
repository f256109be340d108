using System.Diagnostics;
using OnlyPrompt.Model.Llama;
using OnlyPrompt.NativeMemory;
using OnlyPrompt.Settings;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OnlyPrompt.Training.Loop;

/// <summary>
/// Trains a model on one objective with AdamW. Each optimizer step runs in one fixed order: learning rate for
/// the step, forward and loss for each accumulated micro-batch, gradient clipping, optimizer step, zero_grad (under mixed
/// precision: the masters' new weights into the model, their gradients freed),
/// free heap pages back to the OS once enough have built up, report; once training ends all free heap pages go back. A
/// non-finite loss or gradient stops training before anything from that step is saved.
/// </summary>
public sealed class Trainer<T>(LlamaForCausalLM model, ITrainingObjective<T> objective, TrainingOptions options)
{
    // One loop, kept whole so that it reads in the order the summary gives; its pieces would share a dozen locals.
    public TrainingResult Train(IReadOnlyList<T> train, IReadOnlyList<T>? evaluation = null, string? resumeFrom = null,
        Action<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        options.Validate();
        if (train.Count == 0)
            throw new ArgumentException("the training dataset is empty.", nameof(train));
        foreach (var example in train.Concat(evaluation ?? []))
            objective.Validate(example, model.Config);

        using var masters = options.MixedPrecision ? new MasterWeights(model) : null;
        // The optimizer steps the fp32 masters under mixed precision, the model's own trainable parameters otherwise.
        var parameters = masters?.Masters ?? TrainableParameters();
        using var optimizer = CreateOptimizer(parameters);
        var heap = new HeapTrimmer();
        var state = resumeFrom is null ? new TrainerState(0, 0, 0) : TrainerState.Load(resumeFrom, model, optimizer, masters);
        var shapes = train.Select(objective.Shape).ToArray();
        var plans = Enumerable.Range(0, options.Epochs)
            .Select(epoch => TokenBudgetBatches.Plan(shapes, options.TokensPerBatch, options.Seed, epoch)).ToArray();
        var totalSteps = TotalSteps(plans);
        IReadOnlyDictionary<string, double> lastMetrics = new Dictionary<string, double>();

        model.train();
        var (step, epoch, next) = (state.Step, state.Epoch, state.NextBatch);
        while (step < totalSteps && epoch < options.Epochs)
        {
            var plan = plans[epoch];
            var learningRate = options.LearningRateAt(step, totalSteps);
            foreach (var group in optimizer.ParamGroups)
                group.LearningRate = learningRate;

            var clock = Stopwatch.StartNew();
            var sums = new Dictionary<string, double>();
            var (examples, tokens) = (0, 0L);
            var micro = Math.Min(options.GradientAccumulationSteps, plan.Count - next);
            for (var m = 0; m < micro; m++)
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var batch = plan[next + m].Select(i => train[i]).ToList();
                var loss = objective.Loss(model, batch);
                var value = loss.Loss.item<float>();
                if (!float.IsFinite(value))
                    throw Diverged(step, $"loss is {value}", batch);
                (loss.Loss / micro).backward();
                Accumulate(sums, loss.MetricSums);
                examples += batch.Count;
                tokens += loss.Tokens;
            }
            masters?.TakeGradients();
            var gradNorm = nn.utils.clip_grad_norm_(parameters, options.MaxGradNorm > 0 ? options.MaxGradNorm : double.PositiveInfinity);
            if (!double.IsFinite(gradNorm))
            {
                ZeroGradients(optimizer);
                throw Diverged(step, $"gradient norm is {gradNorm}", plan.Skip(next).Take(micro).SelectMany(b => b).Select(i => train[i]).ToList());
            }
            optimizer.step();
            if (masters is null)
                ZeroGradients(optimizer);
            else
                masters.PutWeights(); // and frees the masters' gradients; the model's were zeroed as they were taken
            heap.TrimIfGrown();
            step++;
            next += micro;
            if (next >= plan.Count)
                (epoch, next) = (epoch + 1, 0);

            lastMetrics = sums.ToDictionary(p => p.Key, p => p.Value / examples);
            progress?.Invoke(new TrainingProgress(step, totalSteps, epoch, learningRate, gradNorm, tokens / clock.Elapsed.TotalSeconds, lastMetrics));
            if (evaluation is { Count: > 0 } && options.EvalEverySteps > 0 && step % options.EvalEverySteps == 0 && step < totalSteps)
                progress?.Invoke(EvaluationProgress(step, totalSteps, epoch, learningRate, evaluation));
            if (options.CheckpointEverySteps > 0 && step % options.CheckpointEverySteps == 0)
                new TrainerState(step, epoch, next).Save(Path.Combine(options.CheckpointDirectory!, $"step-{step}"), model, optimizer, masters);
        }

        IReadOnlyDictionary<string, double>? finalEvaluation = null;
        if (evaluation is { Count: > 0 })
        {
            var report = EvaluationProgress(step, totalSteps, epoch, options.LearningRateAt(Math.Max(0, step - 1), totalSteps), evaluation);
            progress?.Invoke(report);
            finalEvaluation = report.Metrics;
        }
        model.eval();
        MallocTuning.ReturnFreePages(); // the allocator kept the steps' buffers for the next step; there is none now
        return new TrainingResult(step, lastMetrics, finalEvaluation);
    }

    /// <summary>Metrics of the objective on held-out records, without gradients, averaged per record.</summary>
    public IReadOnlyDictionary<string, double> Evaluate(IReadOnlyList<T> records)
    {
        using var _ = no_grad();
        var sums = new Dictionary<string, double>();
        foreach (var indexes in TokenBudgetBatches.Plan(records.Select(objective.Shape).ToArray(), options.TokensPerBatch, seed: 0, epoch: 0))
        {
            using var scope = NewDisposeScope();
            Accumulate(sums, objective.Loss(model, indexes.Select(i => records[i]).ToList()).MetricSums);
        }
        return sums.ToDictionary(p => p.Key, p => p.Value / records.Count);
    }

    private TrainingProgress EvaluationProgress(int step, int totalSteps, int epoch, double learningRate, IReadOnlyList<T> records)
    {
        var clock = Stopwatch.StartNew();
        var metrics = Evaluate(records);
        var tokens = records.Select(objective.Shape).Sum(shape => (double)shape.Rows * shape.Length);
        return new TrainingProgress(step, totalSteps, epoch, learningRate, double.NaN, tokens / clock.Elapsed.TotalSeconds,
            metrics, IsEvaluation: true);
    }

    private int TotalSteps(List<int[]>[] plans)
    {
        var perEpoch = plans.Sum(plan => (plan.Count + options.GradientAccumulationSteps - 1) / options.GradientAccumulationSteps);
        return options.MaxSteps is { } max ? Math.Min(max, perEpoch) : perEpoch;
    }

    // TorchSharp's zero_grad leaves the Tensor that each grad.zero_() returns to the finalizer, one per parameter and step;
    // the scope disposes them at once (the gradients themselves stay with their parameters).
    private static void ZeroGradients(OptimizerHelper optimizer)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
    }

    // Frozen parameters (the base model under a LoRA adapter) get no gradient, no clipping and no optimizer state.
    private Parameter[] TrainableParameters() => model.parameters().Where(p => p.requires_grad).ToArray();

    // Weight decay on matrices only: norms and biases keep their scale.
    private OptimizerHelper CreateOptimizer(Parameter[] parameters)
    {
        AdamW.ParamGroup Group(IEnumerable<Parameter> members, double decay) =>
            new(members, options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, decay, false, false);
        return new LeanAdamW([Group(parameters.Where(p => p.dim() >= 2), options.WeightDecay), Group(parameters.Where(p => p.dim() < 2), 0)],
            options.LearningRate, options.Beta1, options.Beta2, options.Epsilon);
    }

    private TrainingDivergedException Diverged(int step, string what, IReadOnlyList<T> batch) =>
        new($"training diverged at step {step + 1}: {what} on the batch of records {string.Join(", ", batch.Select(objective.Id).Take(8))}" +
            $"{(batch.Count > 8 ? ", ..." : "")}. Nothing from this step was saved; lower the learning rate or inspect those records.");

    private static void Accumulate(Dictionary<string, double> sums, IReadOnlyDictionary<string, double> batch)
    {
        foreach (var (name, value) in batch)
            sums[name] = sums.GetValueOrDefault(name) + value;
    }
}
