from monitor.cli.launch import main

main(prog_name="ictmon")
