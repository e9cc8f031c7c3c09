// ProcessSetup
