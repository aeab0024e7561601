"""The front's one-line messages (translated through the catalog)."""

from ..i18n import N_

PEOPLE_ONLY = N_("Remote kernels are started by people: use a person's token, not a service's.")
NOT_FOR_YOU = N_("Remote kernels are not available to you; ask the hub's administrator to add you to a group "
                 "that has them.")
NO_PROFILE = N_("The kernel {name} is not available to you. Choose one of: {allowed}.")
NO_KERNEL = N_("There is no such kernel.")
TOO_MANY = N_("You have {count} remote kernels running, the most allowed: shut one down before starting another.")
TOO_FAST = N_("You started or restarted kernels {count} times in the last minute, the most allowed: wait a "
               "minute, then try again.")
TOO_MANY_CHANNELS = N_("You have {count} connections open to remote kernels, the most allowed: close a notebook "
                       "or a browser tab, then try again.")
BAD_BODY = N_("The request body must be a JSON object with the kernel's name, e.g. {example}.")
GATEWAY_DOWN = N_("The kernel gateway does not answer; try again in a minute, and tell the hub's administrator "
                  "if it persists.")
HUB_DOWN = N_("The hub does not answer; try again in a minute, and tell the hub's administrator if it persists.")
GATEWAY_REFUSED = N_("The kernel gateway refused: {reason}")
CULLED = N_("This kernel was stopped after {minutes} minutes without activity. Restart it to go on: what it "
            "held in memory is gone.")
STOPPED = N_("This kernel has stopped (its process ended or the kernel gateway restarted). Restart it to go "
             "on: what it held in memory is gone.")
