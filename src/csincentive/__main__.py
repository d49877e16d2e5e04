from csincentive.cli import main

main()
