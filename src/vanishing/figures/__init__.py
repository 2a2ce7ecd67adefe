"""One module per figure; each has ``main(inputs, outputs, params)``.

The module docstring's first paragraph is the figure's caption in the report.
"""
