"""Where things are in a TOML rules file: the scanner lives in core/locate.py, shared with
the statutory policy files (statutory/ may import only core/); the rules code keeps reading
it from here."""

from csincentive.core.locate import Location, SourceMap, Written, dotted

__all__ = ["Location", "SourceMap", "Written", "dotted"]
