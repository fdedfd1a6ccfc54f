"""Ingest's pure logic: which events it accepts and from whom, how a body is read into
events, Segment messages translated, and accepted events stamped and encoded. No I/O."""
