import PlcBridgeService
import WorkcellRuntime

await ServiceCommand<PlcBridgeService>.main()
