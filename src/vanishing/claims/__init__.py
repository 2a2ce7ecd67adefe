"""The claim catalogue (catalogue.yaml) and one named check function per claim."""
