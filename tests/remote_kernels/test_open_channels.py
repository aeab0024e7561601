"""The front's count of open channel websockets (channels.OpenChannels): a person's connections to one
kernel and in all are capped, a refusal counts nothing, and a closed one is given back (attack review 16,
round 2: 24 parallel websockets of one person grew the shared front by 1.6 GiB)."""

from campushub.remote_kernels.channels import OpenChannels


def test_per_kernel_then_per_person():
    open_ = OpenChannels(per_person=3, per_kernel=2)
    assert open_.take("alice", "k1") is None
    assert open_.take("alice", "k1") is None
    assert open_.take("alice", "k1") == 2  # the kernel's limit
    assert open_.take("alice", "k2") is None
    assert open_.take("alice", "k3") == 3  # the person's limit, refused before the kernel's
    assert open_.take("bob", "k4") is None  # others are counted apart
    open_.give_back("alice", "k1")
    assert open_.take("alice", "k3") is None
    for kernel in ("k1", "k2", "k3"):
        open_.give_back("alice", kernel)
    open_.give_back("bob", "k4")
    assert not open_.people and not open_.kernels  # nothing kept for people who left
