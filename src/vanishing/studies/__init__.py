"""Focused experiments; each module has ``Params`` (a dataclass of defaults,
overridable from ``config['studies'][<name>]``) and ``run(params, out_dir)``."""
