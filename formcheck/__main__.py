from formcheck.cli.app import main

main()
