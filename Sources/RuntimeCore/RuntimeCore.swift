// RuntimeCore
