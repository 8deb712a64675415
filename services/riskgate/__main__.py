from riskgate.entrypoints.cli import console

console()
