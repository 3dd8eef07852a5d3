import CellWorld
import Foundation
import PolicyRuntime

/// Fits an MLP to (features → targets) with Adam on the mean squared error of normalised
/// targets, in plain Swift on one core: minibatches through PolicyRuntime's matrix kernels.
struct MLPTrainer {
  struct Config {
    var hiddenSizes = [256, 256]
    var activation = Activation.gelu
    var epochs = 30
    var batchSize = 256
    var learningRate: Float = 1e-3
    var finalLearningRateFraction: Float = 0.05
    var seed: UInt64 = 1
  }

  struct EpochReport {
    var epoch: Int
    var trainLoss: Double
    var validationLoss: Double
    var seconds: Double
  }

  let config: Config
  let inputMean: [Float]
  let inputStd: [Float]
  let outputMean: [Float]
  let outputStd: [Float]
  var weights: [Matrix] = []
  var biases: [[Float]] = []
  private var m: [[Float]] = []
  private var v: [[Float]] = []
  private var step = 0
  private var random: WorldRandom

  /// Normalisation from the training rows; output scales are shared per value type (joint j,
  /// width, force) across the chunk's steps, so early steps' near-zero deltas are not inflated.
  init(config: Config, features: Matrix, targets: Matrix, valuesPerStep: Int) {
    self.config = config
    random = WorldRandom(seed: config.seed)
    func meanStd(_ x: Matrix) -> ([Float], [Float]) {
      var mean = [Double](repeating: 0, count: x.columns)
      var square = [Double](repeating: 0, count: x.columns)
      for r in 0..<x.rows {
        for c in 0..<x.columns {
          let value = Double(x[r, c])
          mean[c] += value
          square[c] += value * value
        }
      }
      let n = Double(max(x.rows, 1))
      let mu = mean.map { $0 / n }
      let sd = zip(square, mu).map { (max($0 / n - $1 * $1, 0)).squareRoot() }
      return (mu.map(Float.init), sd.map(Float.init))
    }
    let (inMean, inStd) = meanStd(features)
    inputMean = inMean
    inputStd = inStd.map { $0 > 1e-6 ? $0 : 1 }
    let (outMean, outStd) = meanStd(targets)
    var typeStd = [Float](repeating: 0, count: valuesPerStep)
    let steps = targets.columns / valuesPerStep
    for t in 0..<valuesPerStep {
      var sum: Float = 0
      for s in 0..<steps { sum += outStd[s * valuesPerStep + t] * outStd[s * valuesPerStep + t] }
      typeStd[t] = (sum / Float(steps)).squareRoot()
    }
    outputMean = outMean
    outputStd = (0..<targets.columns).map { typeStd[$0 % valuesPerStep] > 1e-6 ? typeStd[$0 % valuesPerStep] : 1 }
    let sizes = [features.columns] + config.hiddenSizes + [targets.columns]
    for i in 0..<(sizes.count - 1) {
      // He-style initialisation, scaled down for the last layer so training starts near the mean.
      let scale = Float((2.0 / Double(sizes[i])).squareRoot()) * (i == sizes.count - 2 ? 0.1 : 1)
      var w = Matrix(rows: sizes[i], columns: sizes[i + 1])
      for k in 0..<w.values.count { w.values[k] = Float(random.normal()) * scale }
      weights.append(w)
      biases.append([Float](repeating: 0, count: sizes[i + 1]))
      m.append([Float](repeating: 0, count: w.values.count + sizes[i + 1]))
      v.append([Float](repeating: 0, count: w.values.count + sizes[i + 1]))
    }
  }

  var layerSizes: [Int] { [weights[0].rows] + weights.map(\.columns) }

  func normalise(features: Matrix, rows: ArraySlice<Int>) -> Matrix {
    var x = Matrix(rows: rows.count, columns: features.columns)
    for (r, source) in rows.enumerated() {
      for c in 0..<features.columns { x[r, c] = (features[source, c] - inputMean[c]) / inputStd[c] }
    }
    return x
  }

  func normalise(targets: Matrix, rows: ArraySlice<Int>) -> Matrix {
    var y = Matrix(rows: rows.count, columns: targets.columns)
    for (r, source) in rows.enumerated() {
      for c in 0..<targets.columns { y[r, c] = (targets[source, c] - outputMean[c]) / outputStd[c] }
    }
    return y
  }

  /// Forward pass on normalised inputs; keeps pre-activations and activations for backprop.
  func forward(_ x: Matrix) -> (pre: [Matrix], post: [Matrix]) {
    var pre: [Matrix] = []
    var post: [Matrix] = [x]
    for i in 0..<weights.count {
      var z = Matrix(rows: x.rows, columns: weights[i].columns)
      MatrixMultiply.multiply(post[i], weights[i], bias: biases[i], into: &z)
      pre.append(z)
      if i < weights.count - 1 {
        var a = z
        config.activation.apply(inPlace: &a)
        post.append(a)
      } else {
        post.append(z)
      }
    }
    return (pre, post)
  }

  /// Mean squared error of normalised targets over a set of rows.
  func loss(features: Matrix, targets: Matrix, rows: [Int]) -> Double {
    var total = 0.0
    var start = 0
    while start < rows.count {
      let slice = rows[start..<min(start + 1024, rows.count)]
      let x = normalise(features: features, rows: slice)
      let y = normalise(targets: targets, rows: slice)
      let out = forward(x).post.last!
      for k in 0..<y.values.count {
        let d = Double(out.values[k] - y.values[k])
        total += d * d
      }
      start += 1024
    }
    return total / Double(max(rows.count * targets.columns, 1))
  }

  /// One Adam step on a minibatch; returns its loss.
  mutating func trainStep(x: Matrix, y: Matrix, learningRate: Float) -> Double {
    let (pre, post) = forward(x)
    let out = post.last!
    var grad = Matrix(rows: out.rows, columns: out.columns)
    var loss = 0.0
    let scale = 2 / Float(out.values.count)
    for k in 0..<out.values.count {
      let d = out.values[k] - y.values[k]
      loss += Double(d * d)
      grad.values[k] = d * scale
    }
    step += 1
    let beta1: Float = 0.9
    let beta2: Float = 0.999
    let correction1 = 1 - pow(beta1, Float(step))
    let correction2 = 1 - pow(beta2, Float(step))
    for i in stride(from: weights.count - 1, through: 0, by: -1) {
      var dW = Matrix(rows: weights[i].rows, columns: weights[i].columns)
      MatrixMultiply.multiplyTransposedA(post[i], grad, into: &dW)
      var dB = [Float](repeating: 0, count: grad.columns)
      for r in 0..<grad.rows { for c in 0..<grad.columns { dB[c] += grad[r, c] } }
      if i > 0 {
        var dX = Matrix(rows: grad.rows, columns: weights[i].rows)
        MatrixMultiply.multiplyTransposedB(grad, weights[i], into: &dX)
        let z = pre[i - 1]
        for k in 0..<dX.values.count { dX.values[k] *= config.activation.derivative(z.values[k]) }
        grad = dX
      }
      let count = dW.values.count
      weights[i].values.withUnsafeMutableBufferPointer { w in
        m[i].withUnsafeMutableBufferPointer { mp in
          v[i].withUnsafeMutableBufferPointer { vp in
            for k in 0..<(count + dB.count) {
              let g = k < count ? dW.values[k] : dB[k - count]
              mp[k] = beta1 * mp[k] + (1 - beta1) * g
              vp[k] = beta2 * vp[k] + (1 - beta2) * g * g
              let update = learningRate * (mp[k] / correction1) / ((vp[k] / correction2).squareRoot() + 1e-8)
              if k < count { w[k] -= update } else { biases[i][k - count] -= update }
            }
          }
        }
      }
    }
    return loss / Double(out.values.count)
  }

  /// Trains for the configured epochs, reporting after each.
  mutating func fit(
    features: Matrix, targets: Matrix, trainRows: [Int], validationRows: [Int], epochs: Int? = nil,
    report: (EpochReport) -> Void
  ) -> [EpochReport] {
    let epochCount = epochs ?? config.epochs
    var order = trainRows
    var reports: [EpochReport] = []
    let batchesPerEpoch = (order.count + config.batchSize - 1) / config.batchSize
    let totalBatches = max(batchesPerEpoch * epochCount, 1)
    var batchIndex = 0
    for epoch in 1...epochCount {
      let started = ContinuousClock.now
      order.shuffle(using: &random)
      var sum = 0.0
      var start = 0
      while start < order.count {
        let slice = order[start..<min(start + config.batchSize, order.count)]
        // Cosine decay from the learning rate to its final fraction.
        let progress = Float(batchIndex) / Float(totalBatches)
        let floor = config.finalLearningRateFraction
        let lr = config.learningRate * (floor + (1 - floor) * 0.5 * (1 + cos(.pi * progress)))
        sum += trainStep(x: normalise(features: features, rows: slice), y: normalise(targets: targets, rows: slice), learningRate: lr)
          * Double(slice.count)
        start += config.batchSize
        batchIndex += 1
      }
      let validation = loss(features: features, targets: targets, rows: validationRows)
      let elapsed = ContinuousClock.now - started
      let r = EpochReport(
        epoch: epoch, trainLoss: sum / Double(order.count), validationLoss: validation,
        seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
      reports.append(r)
      report(r)
    }
    return reports
  }

  /// The trained network as a runtime model.
  func model(architecture: PolicyArchitecture) throws(PolicyModelError) -> PolicyModel {
    try PolicyModel(
      architecture: architecture,
      layers: zip(weights, biases).map { DenseLayer(weight: $0, bias: $1) },
      inputMean: inputMean, inputStd: inputStd, outputMean: outputMean, outputStd: outputStd)
  }
}
