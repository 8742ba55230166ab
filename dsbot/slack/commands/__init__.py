"""The `/ds` command's machinery: its grammar, its table of subcommands and what each one does,
shared by the command listener and the item listener."""
