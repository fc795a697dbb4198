"""Training: examples and batches (``examples``), Lightning (``module``: ``train``), LoRA (``lora``).

The only package that imports Lightning and peft; submodules are imported when used, so ``examples`` stays light.
"""
