"""An event's configuration and content outside the database: cloning an edition (`config`,
`cloning`) and whole-event archives (`content`, `package`)."""
