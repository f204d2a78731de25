"""The MLA case lifecycle: cases, their messages, the state machines, deadlines."""
