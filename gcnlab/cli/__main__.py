from gcnlab.cli.app import main

main()
