from aims_policy.cli import main

main()
