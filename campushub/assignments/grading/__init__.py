"""Autograding: submissions executed in the content check's sandbox on
fresh kernels kept warm by long-lived runners (engine, worker,
kernel_runner), fed from the store's job table (queue)."""
