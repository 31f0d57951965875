"""The digits demo: training data from scikit-learn's digits and the commands around the stack.

- ``python -m rcl_emulator.digits ROOT`` writes the labelled PNG folders the stack trains on.
- ``python -m rcl_demo.detect --outputs OUTPUTS_JSON IMAGE`` asks the running model about an image.
- ``python -m rcl_demo.report --outputs OUTPUTS_JSON`` draws the evaluation summary as a PNG.
"""
