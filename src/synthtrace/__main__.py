from synthtrace.cli import main

main()
