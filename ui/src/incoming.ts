document.getElementById("app")!.textContent = "Incoming call";
