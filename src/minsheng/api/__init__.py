"""HTTP plumbing shared by the domains' views: dependencies and error mapping."""
