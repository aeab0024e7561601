"""The remote-kernels front: the only way to Enterprise Gateway. A hub
service that authenticates the person's hub token, starts kernels only of
profiles their policy allows and always as themselves (KERNEL_USERNAME),
proxies EG's REST API and kernel websockets with EG's own token, lets each
person reach only their own kernels, and remembers which EG culled."""
