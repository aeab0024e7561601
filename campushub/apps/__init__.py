"""Apps: a person's Streamlit, Dash, Panel, Voila or command app as a named server behind
jupyter-server-proxy's standalone proxy (model.py: what an app is; kinds.py: how each starts)."""
