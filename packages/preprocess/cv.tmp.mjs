import cvModule from "@techstark/opencv-js";
let t=performance.now();
const box = await new Promise((res) => { if (cvModule.Mat) res({cv:cvModule}); else cvModule.onRuntimeInitialized = () => res({cv:cvModule}); });
const cv=box.cv;
console.log("init", performance.now()-t, typeof cv.equalizeHist, typeof cv.CLAHE, typeof cv.createCLAHE, typeof cv.then);
const m = cv.matFromArray(4,4,cv.CV_8UC1,[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,200]);
const d = new cv.Mat(); cv.equalizeHist(m,d); console.log(Array.from(d.data));
const c = new cv.CLAHE(4, new cv.Size(2,2)); const d2=new cv.Mat(); c.apply(m,d2); console.log(Array.from(d2.data));
