from monitor.cli.main import main

main(prog_name="ictmon")
