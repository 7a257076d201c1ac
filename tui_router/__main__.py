from tui_router.cli import main

raise SystemExit(main())
