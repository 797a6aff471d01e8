//! Uploaded files to activities: which sports are walks, chained and archived files, TCX
//! and GPX, and the person's own offset from UTC (issue 11).

use retrowalk_formats::fit::{self, synthetic, Activity, EncodeOptions};
use retrowalk_formats::incoming::{unpack, Kind, SUPPORTED};
use retrowalk_formats::tcx;
use std::io::Write;

const START: i64 = 1_767_632_400; // 2026-01-05 17:00 UTC

fn walk() -> Activity {
    synthetic::treadmill_walk(START, 1200, 240)
}

fn fit_bytes(a: &Activity) -> Vec<u8> {
    fit::encode(a, EncodeOptions::default()).expect("encodes")
}

fn with_sport(sport: u8, sub: u8) -> Vec<u8> {
    let mut a = walk();
    if let Some(s) = a.session.as_mut() {
        s.sport = Some(sport);
        s.sub_sport = Some(sub);
    }
    fit_bytes(&a)
}

#[test]
fn walks_and_treadmills_import_rides_runs_and_rows_do_not() {
    for (sport, sub) in [(11, 1), (11, 0), (0, 0), (4, 1)] {
        let got = unpack("w.fit", &with_sport(sport, sub));
        assert_eq!(got.len(), 1);
        assert!(
            got[0].activity.is_ok(),
            "{sport}/{sub}: {:?}",
            got[0].activity
        );
    }
    for (sport, sub, word) in [
        (2, 58, "cycling (virtual)"),
        (1, 1, "run"),
        (15, 14, "rowing"),
        (5, 0, "swimming"),
    ] {
        let got = unpack("x.fit", &with_sport(sport, sub));
        let why = got[0].activity.as_ref().expect_err("refused");
        assert!(why.contains(word), "{sport}/{sub}: {why}");
    }
}

#[test]
fn an_activity_faster_than_a_walk_is_refused_whatever_it_is_called() {
    // The report's case: a 38 km virtual ride sent as a plain activity.
    let mut a = walk();
    for r in &mut a.records {
        r.distance_m = r.distance_m.map(|d| d * 25.0);
    }
    for l in &mut a.laps {
        l.distance_m = l.distance_m.map(|d| d * 25.0);
    }
    a.session = Some(fit::summarise(&a.laps, &a.records));
    if let Some(s) = a.session.as_mut() {
        s.sport = Some(0);
    }
    let got = unpack("ride.fit", &fit_bytes(&a));
    let why = got[0].activity.as_ref().expect_err("refused");
    assert!(why.contains("km/h"), "{why}");
}

#[test]
fn a_chained_file_is_several_activities_never_one() {
    let mut bytes = fit_bytes(&walk());
    bytes.extend(fit_bytes(&synthetic::treadmill_walk(
        START + 86_400,
        600,
        120,
    )));
    bytes.extend([0, 0, 0]); // padding is not a third file
    let got = unpack("two.fit", &bytes);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].label, "two.fit (activity 1 of 2)");
    let starts: Vec<_> = got
        .iter()
        .map(|g| g.activity.as_ref().expect("imports").start())
        .collect();
    assert_eq!(starts, vec![Some(START), Some(START + 86_400)]);
    assert_ne!(got[0].fingerprint, got[1].fingerprint);
}

#[test]
fn gzip_and_zip_archives_are_opened() {
    let plain = fit_bytes(&walk());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&plain).expect("gzip");
    let gz = gz.finish().expect("gzip");
    let got = unpack("walk.fit.gz", &gz);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].label, "walk.fit");
    assert_eq!(
        got[0].activity.as_ref().expect("ok"),
        &fit::decode(&plain).expect("ok")
    );

    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    z.start_file("activities/1.fit", opts).expect("zip");
    z.write_all(&plain).expect("zip");
    z.start_file("activities/2.fit.gz", opts).expect("zip");
    z.write_all(&gz).expect("zip");
    z.start_file("profile.json", opts).expect("zip");
    z.write_all(b"{}").expect("zip");
    let archive = z.finish().expect("zip").into_inner();
    let got = unpack("export.zip", &archive);
    let labels: Vec<_> = got.iter().map(|g| g.label.as_str()).collect();
    assert_eq!(
        labels,
        vec!["export.zip/activities/1.fit", "export.zip/activities/2.fit"],
        "other files in an account export are passed over"
    );
    assert!(got.iter().all(|g| g.activity.is_ok()));
}

#[test]
fn anything_else_says_which_formats_are_supported() {
    let got = unpack("notes.txt", b"hello");
    let why = got[0].activity.as_ref().expect_err("refused");
    assert!(why.contains(SUPPORTED), "{why}");
}

#[test]
fn retrowalks_own_tcx_comes_back_with_its_backward_minutes() {
    let a = walk();
    let text = tcx::write(&a, "notes");
    let got = unpack("walk.tcx", text.as_bytes());
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].kind, Some(Kind::Tcx));
    let back = got[0].activity.as_ref().expect("imports");
    let backward = |a: &Activity| -> f64 {
        a.laps
            .iter()
            .filter(|l| l.segment.as_deref() == Some("backward"))
            .filter_map(|l| l.timer_s)
            .sum()
    };
    assert!(backward(&a) > 0.0);
    assert!((backward(back) - backward(&a)).abs() < 1.0);
    assert_eq!(back.laps.len(), a.laps.len());
    assert_eq!(back.start(), a.start());
    assert_eq!(back.records.len(), a.records.len());
}

#[test]
fn a_tcx_ride_is_refused() {
    let text = tcx::write(&walk(), "").replace("Sport=\"Other\"", "Sport=\"Biking\"");
    let got = unpack("ride.tcx", text.as_bytes());
    assert!(got[0]
        .activity
        .as_ref()
        .expect_err("refused")
        .contains("cycling"));
}

fn gpx(kind: &str) -> String {
    let mut pts = String::new();
    for i in 0..60 {
        // About 1.1 m a second north: a walk.
        let lat = 52.0 + f64::from(i) * 0.00001;
        let t = time::OffsetDateTime::from_unix_timestamp(START + i64::from(i)).expect("time");
        pts.push_str(&format!(
            "<trkpt lat=\"{lat}\" lon=\"4.0\"><time>{}</time><extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{}</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions></trkpt>",
            t.format(&time::format_description::well_known::Rfc3339).expect("fmt"),
            100 + i
        ));
    }
    format!(
        "<?xml version=\"1.0\"?><gpx version=\"1.1\" creator=\"test\" xmlns=\"http://www.topografix.com/GPX/1/1\" xmlns:gpxtpx=\"http://www.garmin.com/xmlschemas/TrackPointExtension/v1\"><trk><name>t</name><type>{kind}</type><trkseg>{pts}</trkseg></trk></gpx>"
    )
}

#[test]
fn gpx_walks_import_with_distance_and_heart_rate() {
    let got = unpack("walk.gpx", gpx("walking").as_bytes());
    let a = got[0].activity.as_ref().expect("imports");
    assert_eq!(a.records.len(), 60);
    assert_eq!(a.start(), Some(START));
    let d = a
        .records
        .last()
        .and_then(|r| r.distance_m)
        .expect("distance");
    assert!((60.0..70.0).contains(&d), "{d} m");
    assert_eq!(a.records[5].heart_rate, Some(105));
    let why = unpack("ride.gpx", gpx("cycling").as_bytes());
    assert!(why[0]
        .activity
        .as_ref()
        .expect_err("refused")
        .contains("cycling"));
}

#[test]
fn the_wearers_offset_from_utc_survives_fit() {
    let mut a = walk();
    a.utc_offset_s = Some(-5 * 3600);
    let back = fit::decode(&fit_bytes(&a)).expect("decodes");
    assert_eq!(back.utc_offset_s, Some(-5 * 3600));
    let none = fit::decode(&fit_bytes(&walk())).expect("decodes");
    assert_eq!(none.utc_offset_s, None);
}
