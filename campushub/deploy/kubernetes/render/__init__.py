"""A Zero to JupyterHub release from campushub.yaml: `campushub k8s render`.

values.py deep-merges the chart values of the fragment modules (hub.py,
storage.py, network.py, cluster.py); images.py makes the image build
contexts; readme.py the install commands; output.py writes them all.
"""
