"""Where the environment runs: a network gives the constructs a VPC and subnets, nothing more.

``default_vpc.py`` is today's network (the account's default VPC). The constructs that use a network
receive ``vpc_id`` and subnet ids and never know which network produced them. Security groups belong to
the constructs that listen (``firewall.py``): the network knows no port.
"""
