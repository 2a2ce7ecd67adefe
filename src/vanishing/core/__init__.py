"""The science core: activations, inits, networks, their forward and backward
passes, gradient statistics and the theory. It imports nothing else of the package
(a test holds the layers), and stays flat."""
