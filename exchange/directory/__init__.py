"""The federation directory as this node holds it: the trusted version, its history, adoption."""
