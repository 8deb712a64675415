from riskgate.entrypoints.cli import main

main()
