using OnlyPrompt.Cli;

return await CliCommands.InvokeAsync(CliCommands.Root(), args);
