from riskgate.cli import main

main()
