document.getElementById("app")!.textContent = "Dialtone";
