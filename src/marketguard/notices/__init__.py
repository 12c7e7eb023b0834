"""Notice and takedown: notices, the 24-hour clock, appeals, the good-faith program."""
