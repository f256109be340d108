using OnlyPrompt.Cli;

// Only the in-process experiment trains and samples here, so only it re-runs itself with libtorch's malloc settings;
// the client commands start at once.
if (args.FirstOrDefault() == "experiment" && OnlyPrompt.Model.GlibcMallocTuning.RerunWithSettingsIfNeeded(args) is { } exitCode)
    return exitCode;

// The commands handle Ctrl+C themselves (a watch stops watching, an experiment stops between steps).
return await CliCommands.Root().Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { ProcessTerminationTimeout = null });
